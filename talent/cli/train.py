"""`talent train`: train ranking models from the logs."""

from __future__ import annotations

import json

import click

from talent.cli import AppContext, pass_app


@click.group(name="train")
def command() -> None:
    """Train ranking models from the logged searches, impressions and outcomes.

    \b
      talent train line    title embeddings (LINE) for title expansion and suggestions
      talent train l1      the first-pass ranker every partition runs (pairwise GBDT)
      talent train l2      the federator's GLMix re-ranker (global + per-contract + per-recruiter)
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

    from index.serving.expansion import TitleExpander
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
    expander = TitleExpander.from_settings(settings, taxonomy)
    with feature_progress(disable=as_json) as progress:
        report = train_l1(db.engine, snapshot, taxonomy, settings.models_dir,
                          test_fraction=test_fraction,
                          world=world, seed=seed, labels=labels,
                          rounds=rounds,  # type: ignore[arg-type]
                          make_current=not no_activate, progress=progress,
                          cache_dir=None if no_cache else feature_cache_dir(settings),
                          index_stamp=str(serving.store.applied_position(snapshot.version)),
                          expander=expander)
    if as_json:
        click.echo(json.dumps(report.meta, indent=2))
        return
    click.echo(f"L1 model {report.version} ({report.winner}) saved to {report.path}"
               f"{'' if no_activate else ' and made current'}")
    click.echo("title embeddings: " + (f"{expander.source} (the model records it)"
                                       if expander is not None
                                       else "none (`talent train line` first for the "
                                            "title_expansion feature)"))
    share = report.meta["feature_gain_share"].get("title_expansion", 0.0)
    click.echo(f"title_expansion: set in {report.meta['title_expansion_rows']:,} training rows; "
               f"{share:.2%} of the model's split gain")
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


@command.command(name="line")
@click.option("--dim", type=click.IntRange(8, 512), default=64, show_default=True,
              help="Dimensions per order (the artifact concatenates both orders).")
@click.option("--samples", type=click.IntRange(0), default=0, show_default=True,
              help="Edge samples per order (0: 20 per directed edge, within 2M..400M).")
@click.option("--negatives", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Negative nodes per sampled edge (drawn by degree^0.75).")
@click.option("--learning-rate", type=click.FloatRange(0, 1, min_open=True), default=0.025,
              show_default=True, help="Starting learning rate (decays linearly to ~0).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Edges per vectorized step.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed: the same graph and seed give the same vectors.")
@click.option("--edge-sampling", type=click.Choice(["per-type", "weight"]), default="per-type",
              show_default=True,
              help="per-type: every pair of node kinds (occupation-occupation, skill-company, "
                   "...) gets the same share of the samples, in proportion to weight within it; "
                   "weight: in proportion to weight over the whole graph (skill edges then take "
                   "most samples).")
@click.option("--min-title-members", type=click.IntRange(1), default=10, show_default=True,
              help="Raw titles held by fewer members are not nodes.")
@click.option("--min-edge-weight", type=click.IntRange(1), default=1, show_default=True,
              help="Drop edges held by fewer members.")
@click.option("--evaluate/--no-evaluate", default=True, show_default=True,
              help="Measure nearest-title quality against both baselines.")
@click.option("--link-prediction/--no-link-prediction", default=True, show_default=True,
              help="Measure link prediction AUC on 10% held-out edges (trains LINE a second "
                   "time on the other 90%).")
@click.option("--no-activate", is_flag=True, help="Save without pointing CURRENT at it.")
@click.option("--json", "as_json", is_flag=True, help="Print the artifact's metadata as JSON.")
@pass_app
def line(app: AppContext, dim: int, samples: int, negatives: int, learning_rate: float,
         batch_size: int, seed: int, edge_sampling: str, min_title_members: int,
         min_edge_weight: int,
         evaluate: bool, link_prediction: bool, no_activate: bool, as_json: bool) -> None:
    """Train title embeddings (LINE, first + second order) on the entity graph of the profiles.

    Nodes are occupations, frequent raw titles, skills and companies; an edge's weight is the
    number of members holding both (current and past positions). Writes
    <home>/models/line/<version>/ (vectors, the graph snapshot, parameters, samples, time, peak
    memory, quality figures) and points CURRENT at it: the search serves it for title expansion
    and suggestions. Retrain L1 afterwards (`talent train l1`): serving refuses an L1 model trained
    with other embeddings.
    """
    from index.serving.serving_index import ServingIndex
    from talent.cli.progress import line_progress
    from talent.embeddings.line import LineConfig
    from talent.training.line import train_line_embeddings
    from talent.world.config import world_taxonomy

    settings = app.settings
    settings.ensure_home()
    db = app.database()
    db.require_schema()
    serving = ServingIndex.from_settings(settings)
    taxonomy = world_taxonomy(settings, db)
    config = LineConfig(dim=dim, negatives=negatives, learning_rate=learning_rate,
                        samples=samples, batch_size=batch_size, seed=seed,
                        edge_sampling=edge_sampling)
    say = (lambda _: None) if as_json else (lambda m: click.echo(f"[line] {m}"))
    try:
        with line_progress(disable=as_json) as progress:
            report = train_line_embeddings(serving.snapshot(), db.engine, taxonomy,
                                           settings.models_dir, config,
                                           min_title_members=min_title_members,
                                           min_edge_weight=min_edge_weight, evaluate=evaluate,
                                           link_prediction_holdout=0.1 if link_prediction
                                           else None,
                                           make_current=not no_activate, progress=progress,
                                           step=say)
    finally:
        serving.close()
    meta = json.loads((report.path / "meta.json").read_text(encoding="utf-8"))
    if as_json:
        click.echo(json.dumps(meta, indent=2))
        return
    graph = report.graph
    click.echo(f"embeddings {report.version} saved to {report.path}"
               f"{'' if no_activate else ' and made current'}")
    click.echo(f"graph: {graph['nodes']:,} nodes ({graph['nodes_by_kind']}), {graph['edges']:,} "
               f"edges of {graph['members']:,} members; {meta['samples_per_order']:,} samples per "
               f"order; seconds {report.seconds}; peak memory {report.peak_rss_mb:,.0f} MB")
    quality = report.quality.get("nearest_titles")
    if quality:
        click.echo(f"nearest titles (top {quality['k']}, occupations held by >= "
                   f"{quality['min_members']} members): same or related in O*NET / same SOC "
                   "minor group / full lists")
        for name, q in quality["occupations"].items():
            click.echo(f"  {name:<22} {q['related_at_k']:.3f}  {q['same_minor_group']:.3f}  "
                       f"{q['full_lists']:.3f}  ({q['queries']} titles)")
    for lp in report.quality.get("link_prediction", []):
        click.echo(f"link prediction AUC ({lp['held_out_edges']:,} held-out edges, "
                   f"{lp['negatives']} negatives): "
                   + ", ".join(f"{k} {v:.3f}" for k, v in lp["auc"].items()))


@command.command(name="l2")
@click.option("--test-fraction", type=click.FloatRange(0.05, 0.5), default=0.2, show_default=True,
              help="Share of the latest sessions held out for validation (as for L1).")
@click.option("--max-rows", type=click.IntRange(1000), default=100_000, show_default=True,
              help="Training rows kept: every accept and a weighted sample of the rest.")
@click.option("--entity-l2", type=click.FloatRange(0, min_open=True), default=30.0,
              show_default=True, help="L2 penalty of each recruiter's and contract's effects.")
@click.option("--global-l2", type=click.FloatRange(0, min_open=True), default=1.0,
              show_default=True, help="L2 penalty of the global coefficients.")
@click.option("--iterations", type=click.IntRange(1, 20), default=2, show_default=True,
              help="Outer iterations of block coordinate descent.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-activate", is_flag=True, help="Save the model without pointing CURRENT at it.")
@click.option("--activate-anyway", is_flag=True,
              help="Point CURRENT at it even when it ranks the validation searches worse than the "
                   "L1 order (by default such a model is saved, not served).")
@click.option("--json", "as_json", is_flag=True, help="Print the model's metadata as JSON.")
@pass_app
def l2(app: AppContext, test_fraction: float, max_rows: int, entity_l2: float, global_l2: float,
       iterations: int, seed: int, no_activate: bool, activate_anyway: bool, as_json: bool) -> None:
    """Train L2: GLMix (global + per-contract + per-recruiter) over the L1 features, the L1 score,
    the L1 trees' leaves and the dynamic features as they were at each logged search.

    Uses the same time split as `talent train l1` and the current L1 model (the artifact records
    its version; serving refuses an L2 trained on another L1). Saves <home>/models/l2/<version>/
    and makes it current only when its precision@10 and @25 on the validation searches are at
    least the L1 order's (else searches keep the L1 order; --activate-anyway overrides).
    """
    import resource

    from index.l1.model import load_current_model
    from index.serving.serving_index import ServingIndex
    from talent.cli.progress import feature_progress
    from talent.errors import ModelUnavailable
    from talent.glmix.fit import GLMixConfig
    from talent.training.dataset import build_dataset, feature_cache_dir
    from talent.training.l2 import train_l2
    from talent.world.config import world_taxonomy

    settings = app.settings
    settings.ensure_home()
    db = app.database()
    db.require_schema()
    l1_model = load_current_model(settings.models_dir)
    if l1_model is None:
        raise ModelUnavailable("L2 re-ranks L1's candidates and learns from its trees: run "
                               "`talent train l1` first")
    serving = ServingIndex.from_settings(settings)
    snapshot = serving.snapshot()
    taxonomy = world_taxonomy(settings, db)
    with feature_progress(disable=as_json) as progress:
        data = build_dataset(db.engine, snapshot, taxonomy, cache_dir=feature_cache_dir(settings),
                             index_stamp=str(serving.store.applied_position(snapshot.version)),
                             progress=progress)
    config = GLMixConfig(global_l2=global_l2, entity_l2=entity_l2, outer_iterations=iterations)
    report = train_l2(db.engine, data.candidates, l1_model, settings.models_dir,
                      test_fraction=test_fraction, config=config, max_rows=max_rows, seed=seed,
                      world=_world_name(db), index_version=snapshot.version,
                      make_active=not no_activate, activate_anyway=activate_anyway)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.meta["dataset_seconds"] = round(data.seconds, 2)
    report.meta["peak_rss_mb"] = round(peak_mb, 1)
    if as_json:
        click.echo(json.dumps(report.meta, indent=2))
        return
    activation = report.meta["activation"]
    click.echo(f"L2 model {report.version} (GLMix on {l1_model.name}) saved to {report.path}"
               f"{' and made current' if activation['activated'] else ''}")
    if not activation["activated"] and not no_activate:
        click.echo(f"not made current: {activation['reason']}; searches keep the L1 order "
                   "(--activate-anyway serves it regardless)")
    click.echo(f"{report.train_rows:,} training rows ({report.sampled_rows:,} kept), "
               f"{report.validation_rows:,} validation rows; dataset {data.seconds:.1f} s"
               f"{' (cached features)' if data.cached else ''}, L2 "
               + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
               + f"; peak memory {peak_mb:,.0f} MB")
    click.echo(f"objective by block: {', '.join(f'{v:.1f}' for v in report.meta['objective'])}")
    click.echo("validation          p@5     p@10    p@25    logloss  AUC     ECE     "
               "IPS p@10  IPS p@25")
    for kind in ("glmix", "global_only", "l1"):
        m = report.metrics[kind]
        cells = [f"{m[k]:.4f}" if k in m else "      " for k in
                 ("precision@5", "precision@10", "precision@25")]
        cells += [f"{m[k]:.5f}" if k in m else "       " for k in ("log_loss",)]
        cells += [f"{m[k]:.4f}" if k in m else "      " for k in ("auc", "ece")]
        cells += [f"{m[k]:.4f}  " if k in m else "        " for k in
                  ("ips_precision@10", "ips_precision@25")]
        click.echo(f"  {kind:<16} " + "  ".join(cells))
    if "examination_exponent" in report.meta:
        click.echo("IPS: accepts weighted by 1 / P(examined), P(examined) ~ (1 + position) ** "
                   f"{report.meta['examination_exponent']:.2f} (learned by L2's position column)")


def _world_name(db: object) -> str:
    from sqlalchemy import select

    from talent.storage.models import WorldInfo

    with db.session() as s:  # type: ignore[attr-defined]
        name = s.scalars(select(WorldInfo.name).order_by(WorldInfo.generated_at.desc())).first()
    return name or ""
