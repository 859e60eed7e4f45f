"""`talent train`: train ranking models from the logs."""

from __future__ import annotations

import json

import click

from talent.cli import AppContext, pass_app


@click.group(name="train")
def command() -> None:
    """Train ranking models from the logged searches, impressions and outcomes.

    \b
      talent train l1      the first-pass ranker every partition runs (pairwise GBDT)
    """


@command.command(name="l1")
@click.option("--test-fraction", type=click.FloatRange(0.05, 0.5), default=0.2, show_default=True,
              help="Share of the latest sessions held out for validation.")
@click.option("--seed", type=int, default=0, show_default=True, help="Training seed.")
@click.option("--labels", type=click.Choice(["accept", "graded"]), default="accept",
              show_default=True,
              help="accept: accepted InMails above every other shown candidate; graded: accept > "
                   "InMail > save > view > shown.")
@click.option("--rounds", type=click.IntRange(1, 5000), default=None,
              help="Boosting rounds of both GBDTs (default: each library's tuned count).")
@click.option("--no-cache", is_flag=True,
              help="Recompute the features even if a cached copy matches.")
@click.option("--no-activate", is_flag=True, help="Save the model without pointing CURRENT at it.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def l1(app: AppContext, test_fraction: float, seed: int, labels: str, rounds: int | None,
       no_cache: bool,
       no_activate: bool, as_json: bool) -> None:
    """Train L1 (LightGBM lambdarank vs XGBoost rank:pairwise) and keep the better one.

    Re-runs every logged search through the serving feature code (features are cached under
    <home>/cache/l1-features/ until the logs or the index change), labels the shown members by
    what happened, validates on the latest sessions by InMail-accept precision@25 and saves
    <home>/models/l1/<version>/ with its feature schema, training window and metrics.
    """
    from sqlalchemy import select

    from index.serving.serving_index import ServingIndex
    from talent.cli.progress import feature_progress
    from talent.storage.models import WorldInfo
    from talent.training.dataset import feature_cache_dir
    from talent.training.l1 import train_l1

    settings = app.settings
    settings.ensure_home()
    db = app.database()
    db.require_schema()
    serving = ServingIndex.from_settings(settings)
    from talent.world.config import world_taxonomy

    taxonomy = world_taxonomy(settings, db)
    with db.session() as s:
        world = (s.scalars(select(WorldInfo.name).order_by(WorldInfo.generated_at.desc())).first()
                 or "")
    snapshot = serving.snapshot()
    with feature_progress(disable=as_json) as progress:
        report = train_l1(db.engine, snapshot, taxonomy, settings.models_dir,
                          test_fraction=test_fraction,
                          world=world, seed=seed, labels=labels,
                          rounds=rounds,  # type: ignore[arg-type]
                          make_current=not no_activate, progress=progress,
                          cache_dir=None if no_cache else feature_cache_dir(settings),
                          index_stamp=str(serving.store.applied_position(snapshot.version)))
    if as_json:
        click.echo(json.dumps(report.meta, indent=2))
        return
    click.echo(f"L1 model {report.version} ({report.winner}) saved to {report.path}"
               f"{'' if no_activate else ' and made current'}")
    click.echo(f"{report.rows:,} shown candidates of {report.train_searches:,} training and "
               f"{report.validation_searches:,} validation searches; dataset "
               f"{report.dataset_seconds:.1f} "
               f"s{' (cached features)' if report.meta['dataset']['cached'] else ''}, training "
               f"{report.train_seconds:.1f} s")
    click.echo("validation (logged replay)   p@5     p@25    p@5|acc p@25|acc")
    for kind, m in report.metrics.items():
        click.echo(f"  {kind:<26} {m['precision@5']:.4f}  {m['precision@25']:.4f}  "
                   f"{m['precision@5_searches_with_accept']:.4f}  "
                   f"{m['precision@25_searches_with_accept']:.4f}")
    click.echo("predict ms per 1,000 rows: "
               + ", ".join(f"{k} {v:.2f}" for k, v in report.predict_ms_per_1000.items()))
