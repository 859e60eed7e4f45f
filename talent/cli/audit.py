"""`talent audit`: the fairness audit of the product's own rankings, and `talent audit export`
(the append-only audit log of one contract and period)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from talent.cli import AppContext, pass_app


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


@click.group(name="audit", invoke_without_command=True)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]),
              help="First day of the logged searches audited (default: the first).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]),
              help="Day after the last one audited (default: up to the last).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Report folder (default: <home>/reports/audit-<timestamp>).")
@click.option("--period", type=click.Choice(["month", "week"]), default="month",
              show_default=True, help="Periods of the per-period table.")
@click.option("--max-searches", type=click.IntRange(1, None),
              help="Audit a seeded sample of at most this many logged searches (each one's "
                   "qualified pool is counted again on today's index).")
@click.option("--queries", type=click.IntRange(0, 100000), default=300, show_default=True,
              help="Held-out queries run through the engine before and after re-ranking (0: "
                   "skip the evaluation split).")
@click.option("--algorithms", default=",".join(("detgreedy", "detcons", "detrelaxed",
                                                "detconstsort")), show_default=True,
              help="Re-ranking algorithms compared on the evaluation split.")
@click.option("--no-replay", is_flag=True, help="Skip the logged-replay precision cost.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.pass_context
def command(ctx: click.Context, start: dt.datetime | None, end: dt.datetime | None,
            out: Path | None, period: str, max_searches: int | None, queries: int,
            algorithms: str, no_replay: bool, seed: int) -> None:
    """Fairness audit (without a subcommand): impression and InMail rates by sex and their
    impact ratios, per period and per contract, from the logs; representativeness of the shown
    top 25; the same on the evaluation split before and after representative re-ranking.
    Writes a folder with summary.md, audit.json and PNG plots.

    `talent audit export` writes the audit log instead: who viewed, searched, exported and
    erased what, when, for which contract.
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    assert app is not None  # the root command made it
    import pandas as pd

    from talent.evaluation.audit.report import write_audit
    from talent.evaluation.audit.run import AuditOptions, run_audit

    if start and end and end <= start:
        raise click.BadParameter("--to must be after --from", param_hint="--to")
    settings = app.settings
    settings.ensure_home()
    db = app.database()
    db.require_schema()
    opts = AuditOptions(start=pd.Timestamp(start) if start else None,
                        end=pd.Timestamp(end) if end else None, period=period,  # type: ignore[arg-type]
                        max_searches=max_searches, before_after=queries > 0,
                        queries=max(queries, 1),
                        algorithms=tuple(a.strip() for a in algorithms.split(",") if a.strip()),
                        replay=not no_replay, seed=seed)
    report = run_audit(settings, db, opts, step=lambda what: click.echo(f"  {what}", err=True))
    folder = out or settings.reports_dir / f"audit-{dt.datetime.now():%Y%m%d-%H%M%S}"
    write_audit(report, folder)
    click.echo(f"audit written to {folder} (summary.md, audit.json, *.png)")
    logs = report.get("logs") or {}
    overall = logs.get("overall")
    if overall:
        for name, g in overall["groups"].items():
            ratios = [g[f"{kind}_impact_ratio"] for kind in ("impression", "inmail")]
            shown = ["n/a" if r is None else f"{r:.3f}" for r in ratios]
            click.echo(f"{name:<8} impression rate {g['impression_rate'] or 0:.4f} (IR {shown[0]})"
                       f"  InMail rate {g['inmail_rate'] or 0:.4f} (IR {shown[1]})")
    engine = (report.get("before_after") or {}).get("engine", {})
    for name, e in engine.items():
        share = e["representative_share@25"]["value"]
        click.echo(f"{name:<20} representative top 25: {share:.1%}  NDKL@25 "
                   f"{e['ndkl@25']['value']:.4f}")


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
