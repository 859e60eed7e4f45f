"""`talent audit`: the fairness audit of the product's own rankings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from talent.cli import AppContext, pass_app


@click.command(name="audit")
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
@pass_app
def command(app: AppContext, start: dt.datetime | None, end: dt.datetime | None,
            out: Path | None, period: str, max_searches: int | None, queries: int,
            algorithms: str, no_replay: bool, seed: int) -> None:
    """Fairness audit: impression and InMail rates by sex and their impact ratios, per period
    and per contract, from the logs; representativeness of the shown top 25; the same on the
    evaluation split before and after representative re-ranking.

    \b
    Writes a folder with summary.md, audit.json and PNG plots.
    """
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
