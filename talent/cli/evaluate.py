"""`talent evaluate`: offline evaluation report (InMail-accept precision@k), and comparing two
reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from talent.cli import AppContext, pass_app


@click.command(name="evaluate")
@click.option("--world", "world",
              help="World the database must hold (default: whichever it holds).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Report folder (default: <home>/reports/eval-<world>-<timestamp>).")
@click.option("--compare", nargs=2, type=click.Path(exists=True, path_type=Path), metavar="A B",
              help="Print the differences between two report folders instead of evaluating.")
@click.option("--ladder", "ladder", help="Comma-separated ladder rungs (default: text_match, "
              "linear, pointwise_gbdt, pairwise_gbdt and the L2 rungs l2_global, l2_leaves, "
              "l2_contract, l2_glmix, l2_dynamic when an L1 model is served).")
@click.option("--test-fraction", type=click.FloatRange(0.05, 0.5), default=0.2, show_default=True,
              help="Share of the latest sessions held out.")
@click.option("--resamples", type=click.IntRange(50, 10000), default=1000, show_default=True,
              help="Bootstrap resamples.")
@click.option("--simulated-queries", type=click.IntRange(0, 100000), default=300, show_default=True,
              help="Held-out queries run through the engine for the simulated outcome (0: skip "
                   "it).")
@click.option("--expansion-queries", type=click.IntRange(0, 100000), default=300,
              show_default=True,
              help="Held-out low-recall title queries of the title-expansion figure (with title "
                   "embeddings served; 0: skip it).")
@click.option("--fairness-queries", type=click.IntRange(0, 100000), default=300,
              show_default=True,
              help="Held-out queries ranked before and after representative re-ranking (0: skip "
                   "the fairness section).")
@click.option("--review-sessions", type=click.IntRange(0, 100000), default=500, show_default=True,
              help="Simulated review sessions (review mode without a person; 0: skip them).")
@click.option("--review-intent", "review_intent",
              type=click.Choice(["focus2", "focus2-graded", "focus3", "focus3-graded", "focus4",
                                 "focus4-graded"]),
              default="focus2", show_default=True,
              help="Shape of the simulated recruiter's hidden intent in the review sessions: "
                   "focusN wants the N most distinctive skills of one skill group, equally "
                   "weighted (focus2: the online learner's own model class); -graded weighs them "
                   "by a Dirichlet(1) draw per session, so one skill matters more than another. "
                   "Tests the learner outside its model class.")
@click.option("--review-only", is_flag=True,
              help="Only the simulated review sessions: no ladder, no outcome protocol.")
@click.option("--expansion-only", is_flag=True,
              help="Only the title-expansion figure on low-recall held-out title queries: no "
                   "ladder, no outcome protocol (needs `talent train line`).")
@click.option("--seed", type=int, default=0, show_default=True)
@pass_app
def command(app: AppContext, world: str | None, out: Path | None, compare: tuple[Path, Path] | None,
            ladder: str | None, test_fraction: float, resamples: int, simulated_queries: int,
            expansion_queries: int, fairness_queries: int, review_sessions: int,
            review_intent: str, review_only: bool, expansion_only: bool, seed: int) -> None:
    """Offline evaluation: logged replay of the model ladder, the simulated outcome and simulated
    review sessions (in-session personalization).

    \b
    Writes a folder with summary.md (tables with 95% bootstrap CIs and lifts), PNG plots and
    metrics.json. `talent evaluate --compare A B` prints B - A for every metric.
    """
    from talent.evaluation.report import compare_reports, read_report

    if compare:
        a, b = (read_report(p) for p in compare)
        _print_comparison(a, b, compare_reports(a, b))
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from talent.evaluation.ladder import DEFAULT_LADDER
    from talent.evaluation.report import write_report
    from talent.evaluation.run import (
        EvaluationOptions,
        evaluate_expansion_only,
        evaluate_review_only,
        evaluate_world,
    )

    if review_only and expansion_only:
        raise click.UsageError("--review-only and --expansion-only exclude each other")

    settings = app.settings
    settings.ensure_home()
    db = app.database()
    db.require_schema()
    rungs = tuple(r.strip() for r in ladder.split(",") if r.strip()) if ladder else DEFAULT_LADDER
    opts = EvaluationOptions(ladder=rungs, test_fraction=test_fraction, resamples=resamples,
                             seed=seed, simulated=simulated_queries > 0,
                             simulated_queries=simulated_queries,
                             expansion_queries=expansion_queries,
                             fairness_queries=fairness_queries,
                             review_sessions=max(review_sessions, 1 if review_only else 0),
                             review_intent=None if review_intent == "focus2" else review_intent)
    review_steps = 2 + opts.review_sessions // 50 if opts.review_sessions else 0
    if expansion_only:
        steps = 2
    else:
        steps = (1 if review_only else 3 + 3 + len(rungs) + 1 + (2 if opts.simulated else 0)
                 + (2 if fairness_queries else 0) + 1) + review_steps
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  transient=True,
                  console=None) as progress:
        task = progress.add_task("evaluating", total=steps)

        def step(what: str) -> None:
            progress.update(task, advance=1, description=what)

        run = (evaluate_review_only if review_only
               else evaluate_expansion_only if expansion_only else evaluate_world)
        report = run(settings, db, world=world, options=opts, step=step)
        folder = out or settings.reports_dir / (f"eval-{report['world']}-"
                                                f"{dt.datetime.now():%Y%m%d-%H%M%S}")
        write_report(report, folder)
    click.echo(f"report written to {folder} (summary.md, metrics.json, *.png)")
    if "replay" in report:
        replay = report["replay"]["rungs"]
        click.echo(f"{'rung':<22} {'p@5':>8} {'p@10':>8} {'p@25':>8} {'ndcg@10':>8}")
        for name, entry in replay.items():
            m = entry["metrics"]
            click.echo(f"{name:<22} " + " ".join(f"{m[k]['value']:8.4f}" for k in
                                                ("precision@5", "precision@10", "precision@25",
                                                 "ndcg@10")))
    review = report.get("review")
    if review and review.get("sessions"):
        click.echo(f"review sessions: {review['sessions']:,}, intent {review.get('intent')} "
                   "(good-fit share by step block)")
        click.echo(f"{'order':<20} " + " ".join(f"{b:>7}" for b in review["blocks"])
                   + f" {'overall':>8}")
        for name, entry in review["orders"].items():
            click.echo(f"{name:<20} " + " ".join(f"{entry['blocks'][b]['value']:7.3f}"
                                                 for b in review["blocks"])
                       + f" {entry['overall']['value']:8.3f}")


def _print_comparison(a: dict, b: dict, rows: list[dict]) -> None:
    from talent.evaluation.report import provenance

    click.echo(f"A: {provenance(a)}")
    click.echo(f"B: {provenance(b)}")
    click.echo(f"{'protocol':<10} {'rung':<20} {'metric':<24} {'A':>9} {'B':>9} {'B - A':>9}")
    for r in rows:
        def f(x: float | None) -> str:
            return f"{x:9.4f}" if x is not None else f"{'-':>9}"
        click.echo(f"{r['protocol']:<10} {r['rung']:<20} {r['metric']:<24} {f(r['a'])} {f(r['b'])} "
                   f"{f(r['diff'])}")
