"""`talent member erase ID`: erase one member from every surface that holds member data."""

from __future__ import annotations

import json

import click

from talent.cli import AppContext, pass_app


@click.group(name="member")
def command() -> None:
    """Operate on one member's data (erasure on request)."""


@command.command(name="erase")
@click.argument("member_id", type=click.IntRange(1, 2**53))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def erase(app: AppContext, member_id: int, yes: bool, as_json: bool) -> None:
    """Erase MEMBER_ID: database rows of every contract (profile, protected attributes,
    impressions, feedback, saved candidates, InMails), the search index (serving and retained
    versions; the next build reads the database), cached values, cached training features and
    the world's files. Then every surface is read again; exit code 1 if any still holds data.
    The erasure is recorded in the audit log."""
    from talent.erasure import ErasureContext, erase_member

    if not yes:
        click.confirm(f"Erase member {member_id} everywhere? This cannot be undone", abort=True)
    database = app.database()
    try:
        report = erase_member(ErasureContext(member_id, app.settings, database, actor="cli"))
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        for surface, removed in report.removed.items():
            what = ", ".join(f"{k} {v}" for k, v in removed.items()) or "nothing"
            click.echo(f"{surface:>18}: removed {what}")
        for surface, error in report.failed.items():
            click.echo(f"{surface:>18}: FAILED {error}", err=True)
        for surface, left in report.remaining.items():
            for item in left:
                click.echo(f"{surface:>18}: still holds {item}", err=True)
        click.echo(f"member {member_id}: " + ("erased from every surface" if report.complete
                                              else "NOT completely erased"))
    if not report.complete:
        raise SystemExit(1)
