"""`talent audit export`: the append-only audit log of one contract and period."""

from __future__ import annotations

import datetime as dt
import sys

import click

from talent.cli import AppContext, pass_app


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


@click.group(name="audit")
def command() -> None:
    """The audit log: who viewed, searched, exported and erased what, when, for which contract."""


@command.command(name="export")
@click.option("--contract", "contract_id", type=int, help="Only this contract's entries "
              "(default: every entry, operators' included).")
@click.option("--since", type=click.DateTime(), help="From this UTC date/time (inclusive).")
@click.option("--until", type=click.DateTime(), help="Until this UTC date/time (exclusive).")
@click.option("--action", "actions", multiple=True,
              help="Only these actions (search, member.view, project.export, member.erase, ...).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="File (default stdout).")
@pass_app
def export(app: AppContext, contract_id: int | None, since: dt.datetime | None,
           until: dt.datetime | None, actions: tuple[str, ...], fmt: str,
           out: str | None) -> None:
    """Write audit entries in time order, as JSON lines or CSV."""
    from talent.storage.audit import audit_entries, export_audit

    database = app.database()
    with database.session() as session:
        entries = audit_entries(session, contract_id=contract_id, since=_utc(since),
                                until=_utc(until), actions=actions)
        with (open(out, "w", encoding="utf-8", newline="") if out else _stdout()) as fh:
            for chunk in export_audit(entries, fmt):
                fh.write(chunk)
    database.dispose()
    if out:
        click.echo(f"wrote the audit log to {out}", err=True)


class _stdout:
    def __enter__(self):  # noqa: ANN204
        return sys.stdout

    def __exit__(self, *_: object) -> None:
        sys.stdout.flush()
