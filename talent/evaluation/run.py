"""The whole evaluation of a world: split, logged-replay ladder, simulated outcome, report dict.

Features come from the training helper's dataset builder (:func:`talent.training.l1.build_dataset`,
which re-runs every logged query through the serving L1 feature code), so the ladder's rungs
see exactly the features the engine computes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.errors import ConfigError, InvalidInput
from talent.evaluation.bootstrap import DEFAULT_RESAMPLES
from talent.evaluation.ladder import (
    DEFAULT_LADDER,
    L2_RUNGS,
    REFERENCE_RUNGS,
    PairwiseGBDTScorer,
    Rung,
    run_ladder,
    summarize_ladder,
)
from talent.evaluation.replay import recruiter_history
from talent.ranking.candidates import Candidates
from talent.ranking.split import time_split

Step = Callable[[str], None]


@dataclass
class EvaluationOptions:
    ladder: tuple[str, ...] = DEFAULT_LADDER
    reference: tuple[str, ...] = REFERENCE_RUNGS
    test_fraction: float = 0.2
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    simulated: bool = True
    simulated_queries: int = 300
    simulated_ks: tuple[int, ...] = (5, 10, 25)
    expansion_queries: int = 300   # low-recall title queries of the title-expansion figure
    fairness_queries: int = 300
    review_sessions: int = 500      # simulated review sessions (0: skip)
    review_steps: int = 25
    review_mabwiser: bool = True
    review_intent: str | None = None  # the simulated intent's shape (None: 2 equal focus skills)


def checked_world(db: Any, world: str | None) -> Any:
    """The world the database holds, refused with what to do when it is not ``world``."""
    from talent.world.simulator import current_world

    info = current_world(db)
    if world is not None and world != info.name:
        raise ConfigError(f"the database holds world {info.name!r}, not {world!r}: "
                          f"run `talent world generate {world}` and `talent world simulate` first")
    return info


def split_summary(split: Any, test_fraction: float) -> dict[str, Any]:
    """What a report says of its time split."""
    return {"cutoff": str(split.cutoff), "train_sessions": split.train_sessions,
            "test_sessions": split.test_sessions, "train_searches": len(split.train_search_ids),
            "test_searches": len(split.test_search_ids), "test_fraction": test_fraction}


def segments_of(test: Candidates, all_searches: pd.DataFrame) -> dict[str, pd.Series]:
    """Segment value per held-out search: query type, and recruiters with many vs few past searches.

    "many" = the recruiter had issued at least the median number of earlier searches (over all
    held-out searches) before this one.
    """
    ids = test.searches.index
    history = recruiter_history(all_searches).reindex(ids)
    median = float(history.median()) if len(history) else 0.0
    experience = pd.Series(np.where(history >= median, f"many (>= {median:.0f} earlier)",
                                    f"few (< {median:.0f} earlier)"), index=ids)
    segments = {"recruiter_history": experience}
    if "query_type" in test.searches:
        segments["query_type"] = test.searches["query_type"].replace("", "unknown")
    return segments


#: (rung, baseline): paired log-loss change over the same held-out searches (GLMix vs global)
PROBABILITY_COMPARISONS = (("l2_glmix", "l2_global"), ("l2_dynamic", "l2_global"),
                           ("l2_dynamic", "l2_glmix"), ("l2_leaves", "l2_global"))


def probability_comparisons(result: Any, resamples: int, seed: int) -> list[dict[str, Any]]:
    """Relative change of pooled log loss, rung vs baseline, with a paired bootstrap CI over
    searches (each search's summed log loss, so the ratio of means is the pooled ratio)."""
    from talent.evaluation.bootstrap import paired_lift

    probs = {r.name: r.probabilities for r in result.rungs if r.probabilities is not None}
    y = result.test.rows["accepted"].to_numpy(dtype=np.float64)
    groups = result.test.rows["search_id"].to_numpy()
    _, inverse = np.unique(groups, return_inverse=True)

    def per_search(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return np.bincount(inverse, weights=-(y * np.log(p) + (1 - y) * np.log(1 - p)))

    out = []
    for rung, base in PROBABILITY_COMPARISONS:
        if rung in probs and base in probs:
            lift = paired_lift(per_search(probs[rung]), per_search(probs[base]),
                               resamples=resamples, seed=seed)
            out.append({"rung": rung, "baseline": base, "log_loss_change": lift.as_dict()})
    return out


def recruiters_in_training(train: Candidates, test: Candidates) -> pd.Series:
    """Per held-out search: did its recruiter have searches in the training window (L2 has an
    effect for them) or not (L2 falls back to the global model)?"""
    seen = set(train.searches["recruiter_id"].dropna().astype(int))
    values = ["yes" if int(r) in seen else "no (global model)"
              for r in test.searches["recruiter_id"].fillna(0)]
    return pd.Series(values, index=test.searches.index)


class ServedL1Scorer:
    """The L1 model artifact the engine currently serves (``talent train l1``), as a ladder rung."""

    probabilistic = False

    def __init__(self, model: Any) -> None:
        self.model = model
        self.name = "served_l1"

    def fit(self, train: Candidates) -> None:
        return None

    def score(self, test: Candidates) -> np.ndarray:
        return np.asarray(self.model.predict(np.asarray(test.features, dtype=np.float32)),
                          dtype=np.float64)


def pairwise_rung(model: Any, split: Any, index_version: str, train_rows: int,
                  seed: int = 0) -> tuple[Callable[[], Rung], str]:
    """The ``pairwise_gbdt`` rung's factory: the served L1 model itself when it was trained on
    exactly this split (same cutoff, index version and training rows), else a fresh fit of the same
    library with the L1 trainer; and a note for the report saying which."""
    meta = model.meta if model is not None else {}
    same_split = (model is not None and split.cutoff is not None
                  and (str(meta.get("training_window", {}).get("validation_from"))
                       == str(split.cutoff))
                  and meta.get("index_version") == index_version
                  and int(meta.get("dataset", {}).get("train_rows", -1)) == train_rows)
    kind = str(meta.get("kind") or "xgboost")
    if same_split:
        note = (f"pairwise_gbdt is the served L1 model {model.name}, trained by `talent train l1` "
                "on exactly this training split; its library was chosen on these held-out sessions "
                "(optimistic by the choice of the better of two).")
        return (lambda: PairwiseGBDTScorer(seed, kind, prefit=model)), note
    note = (f"pairwise_gbdt was trained here with the L1 trainer ({kind}: the served model's "
            "library, or the default).")
    return (lambda: PairwiseGBDTScorer(seed, kind)), note


def evaluate_world(settings: Any, db: Any, *, world: str | None = None,
                   options: EvaluationOptions | None = None,
                   step: Step = lambda _: None) -> dict[str, Any]:
    """Run both protocols on the database's world and return the report dict (see :mod:`report`)."""
    from index.l1.model import load_current_model
    from index.serving.serving_index import ServingIndex
    from talent.training.dataset import build_dataset, feature_cache_dir

    opts = options or EvaluationOptions()
    info = checked_world(db, world)
    serving = ServingIndex.from_settings(settings)
    snapshot = serving.snapshot()
    from talent.world.config import world_taxonomy

    taxonomy = world_taxonomy(settings, db)
    model = load_current_model(settings.models_dir)
    step("index and model loaded")

    from index.serving.expansion import TitleExpander

    expander = TitleExpander.from_settings(settings, taxonomy)
    data = build_dataset(db.engine, snapshot, taxonomy, cache_dir=feature_cache_dir(settings),
                         index_stamp=str(serving.store.applied_position(snapshot.version)),
                         expander=expander)
    cands = data.candidates
    if cands.rows.empty:
        raise InvalidInput("no logged searches with impressions: run `talent world simulate` first")
    step(f"features of {len(cands.rows):,} shown candidates{' (cached)' if data.cached else ''}")

    searches = cands.searches.loc[cands.searches.index.isin(cands.rows["search_id"].unique())]
    split = time_split(searches.reset_index()[["id", "session_id", "created_at"]],
                       opts.test_fraction)
    train, test = cands.subset(split.train_search_ids), cands.subset(split.test_search_ids)
    reference = list(opts.reference)
    pairwise, pairwise_note = pairwise_rung(model, split, snapshot.version, len(train.rows),
                                            opts.seed)
    overrides: dict[str, Callable[[], Rung]] = {"pairwise_gbdt": pairwise}
    if model is not None:
        overrides["served_l1"] = lambda: ServedL1Scorer(model)
        reference.append("served_l1")
    ladder = opts.ladder
    notes: list[str] = []
    l2_context = None
    if model is not None:
        from talent.dynamic.history import EventHistory
        from talent.evaluation.l2_rungs import L2Context, l2_rung_factories

        l2_context = L2Context(model, EventHistory.from_database(db.engine), seed=opts.seed)
        overrides.update(l2_rung_factories(l2_context))
    elif any(r in L2_RUNGS for r in ladder):
        ladder = tuple(r for r in ladder if r not in L2_RUNGS)
        notes.append("the L2 rungs need a served L1 model (`talent train l1`): left out")
    result = run_ladder(train, test, ladder, reference, on_rung=lambda n: step(f"rung {n}"),
                        overrides=overrides)
    segments = segments_of(test, cands.searches)
    segments["recruiter_in_training"] = recruiters_in_training(train, test)
    from talent.evaluation.archetypes import (
        coefficient_breakdown,
        personalization_ceiling,
        recruiter_archetypes,
    )

    archetypes = recruiter_archetypes(settings, info.name)
    segments["archetype"] = pd.Series(
        archetypes.reindex(test.searches["recruiter_id"].to_numpy()).to_numpy(),
        index=test.searches.index)
    replay = summarize_ladder(result, resamples=opts.resamples, seed=opts.seed,
                              segments=segments)
    replay["probability_comparisons"] = probability_comparisons(result, opts.resamples, opts.seed)
    if l2_context is not None:
        replay["archetype_coefficients"] = {
            name: coefficient_breakdown(m, archetypes) for name, m in l2_context.models.items()
            if "recruiter" in m.entities}
        replay["personalization_ceiling"] = personalization_ceiling(settings, info.name, test)
        served = l2_context.models.get("l2_dynamic")
        exponent = served.meta.get("examination_exponent") if served is not None else None
        if exponent is not None:
            from talent.evaluation.ips import ips_summary

            replay["ips"] = ips_summary(result, float(exponent), resamples=opts.resamples,
                                        seed=opts.seed)
    replay["skipped_searches"] = data.skipped_searches
    step("replay metrics with bootstrap CIs")

    report: dict[str, Any] = {
        "world": info.name,
        "index_version": snapshot.version,
        "model_versions": {"l1": model.name if model is not None else "none (text-match fallback)",
                           "title_embeddings": (expander.source if expander is not None
                                                else "none (no title expansion)")},
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "split": split_summary(split, opts.test_fraction),
        "replay": replay,
        "notes": [pairwise_note, *notes],
    }
    if model is not None:
        trained_until = str(model.meta.get("training_window", {}).get("validation_from", ""))
        if (trained_until and split.cutoff is not None
                and pd.Timestamp(trained_until) > split.cutoff):
            report["notes"].append(
                f"served_l1 was trained on searches up to {trained_until}, after this split's "
                f"cutoff {split.cutoff}: it has seen some held-out sessions, so its replay numbers "
                "are optimistic.")
    if opts.simulated:
        from talent.evaluation.simulated import simulate_held_out

        report["simulated"] = simulate_held_out(settings, db, info.name, test.searches, opts,
                                                step=step)
    if opts.fairness_queries > 0:  # representativeness before and after re-ranking (the audit)
        from talent.evaluation.audit.run import evaluation_section
        from talent.evaluation.audit.split import BeforeAfterOptions

        report["fairness"] = evaluation_section(
            settings, db, test, model, BeforeAfterOptions(opts.fairness_queries, seed=opts.seed,
                                                          resamples=opts.resamples), step=step)
    if opts.review_sessions > 0:
        report["review"] = run_review_sessions(settings, db, info.name, test.searches, opts, step)
    return report


def held_out_logged_searches(db: Any, test_fraction: float) -> tuple[Any, pd.DataFrame]:
    """The time split of the logged searches that showed candidates (the searches the full
    evaluation reads) and the held-out ones, as ``load_candidates`` frames them."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        searches = pd.read_sql(text(
            "SELECT id, session_id, recruiter_id, contract_id, project_id, created_at, query_type, "
            "query_text, query_json, ranker, result_count FROM searches s WHERE EXISTS "
            "(SELECT 1 FROM impressions i WHERE i.search_id = s.id) ORDER BY id"), conn,
            parse_dates=["created_at"]).set_index("id")
    if searches.empty:
        raise InvalidInput("no logged searches with impressions: run `talent world simulate` first")
    split = time_split(searches.reset_index()[["id", "session_id", "created_at"]], test_fraction)
    return split, searches.loc[searches.index.isin(list(split.test_search_ids))]


def evaluate_expansion_only(settings: Any, db: Any, *, world: str | None = None,
                            options: EvaluationOptions | None = None,
                            step: Step = lambda _: None) -> dict[str, Any]:
    """Only the title-expansion figure (low-recall held-out title queries, expansion off / on /
    the two baselines), on the same held-out split as the full evaluation: no ladder, no
    outcome protocol."""
    from index.l1.model import load_current_model
    from talent.evaluation.simulated import expansion_on_held_out

    opts = options or EvaluationOptions()
    info = checked_world(db, world)
    split, held = held_out_logged_searches(db, opts.test_fraction)
    step("held-out searches read")
    model = load_current_model(settings.models_dir)
    section, version, source = expansion_on_held_out(settings, db, info.name, held, opts)
    step("title expansion on low-recall title queries")
    return {
        "world": info.name, "index_version": version,
        "model_versions": {"l1": model.name if model is not None else "none (text-match fallback)",
                           "title_embeddings": source},
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "split": split_summary(split, opts.test_fraction),
        "simulated": {"title_expansion": section},
        "notes": [],
    }


def run_review_sessions(settings: Any, db: Any, world: str, searches: pd.DataFrame,
                        opts: EvaluationOptions, step: Step) -> dict[str, Any]:
    """The simulated review sessions on held-out searches' jobs (:mod:`review_sim`)."""
    from talent.evaluation.review_sim import ReviewSimulationOptions, simulate_review_sessions

    return simulate_review_sessions(
        settings, db, world, searches,
        ReviewSimulationOptions(sessions=opts.review_sessions, steps=opts.review_steps,
                                seed=opts.seed, mabwiser=opts.review_mabwiser,
                                resamples=opts.resamples,
                                intent=opts.review_intent), step=step)


def evaluate_review_only(settings: Any, db: Any, *, world: str | None = None,
                         options: EvaluationOptions | None = None,
                         step: Step = lambda _: None) -> dict[str, Any]:
    """Only the simulated review sessions (no ladder, no outcome protocol), on the jobs of the
    same held-out split of logged searches (by time, whole sessions)."""
    from sqlalchemy import text

    from index.l1.model import load_current_model
    from index.serving.serving_index import ServingIndex

    opts = options or EvaluationOptions()
    info = checked_world(db, world)
    with db.engine.connect() as conn:
        searches = pd.read_sql(text("SELECT id, session_id, created_at, project_id, recruiter_id, "
                                    "contract_id FROM searches"), conn,
                               parse_dates=["created_at"]).set_index("id")
    if searches.empty:
        raise InvalidInput("no logged searches: run `talent world simulate` first")
    split = time_split(searches.reset_index()[["id", "session_id", "created_at"]],
                       opts.test_fraction)
    serving = ServingIndex.from_settings(settings)
    version = serving.version
    serving.close()
    model = load_current_model(settings.models_dir)
    step("held-out searches read")
    return {
        "world": info.name, "index_version": version,
        "model_versions": {"l1": model.name if model is not None else "none (text-match fallback)"},
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "split": split_summary(split, opts.test_fraction),
        "review": run_review_sessions(settings, db, info.name,
                                      searches.loc[list(split.test_search_ids)], opts, step),
        "notes": [],
    }
