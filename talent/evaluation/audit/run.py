"""The whole audit of a world: the logs, then the evaluation split before and after re-ranking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import text

from talent.errors import ConfigError, InvalidInput
from talent.evaluation.audit.data import GROUP_NAMES, MemberGroups
from talent.evaluation.audit.logs import LogAuditOptions, PoolFn, audit_logs
from talent.evaluation.audit.split import (
    BeforeAfterOptions,
    engine_rankings,
    replay_cost,
    rerank_stage,
    summarize_rankings,
)
from talent.ranking.candidates import Candidates, load_candidates
from talent.ranking.representative import ALGORITHMS
from talent.ranking.split import time_split

Step = Callable[[str], None]


@dataclass(frozen=True)
class AuditOptions:
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    period: Literal["week", "month"] = "month"
    max_searches: int | None = None
    before_after: bool = True
    queries: int = 300
    algorithms: tuple[str, ...] = ALGORITHMS
    replay: bool = True
    test_fraction: float = 0.2
    seed: int = 0
    k: int = 25
    resamples: int = 1000


def query_of(search: pd.Series) -> Any:
    """The query a logged search ran (its structured form when it has one)."""
    from talent.training.dataset import query_of as logged_query

    return logged_query(search)


def pool_counter(service: Any) -> PoolFn:
    """A logged search -> its qualified pool by group (the service's own pool count)."""
    from federator.types import SearchRequest

    stage = rerank_stage(service)

    def pool_of(search: pd.Series) -> np.ndarray:
        parsed = service.parse(SearchRequest(None, None, query_of(search), facets=False))
        return np.asarray(stage.pool(parsed).counts, dtype=np.int64)

    return pool_of


def world_name(db: Any) -> str:
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT name, seed FROM world_info ORDER BY generated_at DESC "
                                "LIMIT 1")).first()
    if row is None:
        raise ConfigError("the database holds no world: run `talent world generate` first")
    return f"{row[0]} (seed {row[1]})"


def held_out(cands: Candidates, test_fraction: float) -> np.ndarray:
    """The held-out search ids of the evaluation's session split."""
    searches = cands.searches.loc[cands.searches.index.isin(cands.rows["search_id"].unique())]
    split = time_split(searches.reset_index()[["id", "session_id", "created_at"]], test_fraction)
    return split.test_search_ids


def before_after_section(service: Any, groups: MemberGroups, held: pd.DataFrame,
                         opts: BeforeAfterOptions, replay: tuple[Candidates, np.ndarray] | None,
                         step: Step = lambda _: None) -> dict[str, Any]:
    """The evaluation split before and after re-ranking (engine and, given the held-out logged
    candidates with base scores, the replay cost of the configured algorithm)."""
    rankings, failed = engine_rankings(service, held, groups, query_of, opts)
    step(f"engine before/after on {len(rankings['before'])} held-out queries")
    section: dict[str, Any] = {"k": opts.k, "deep_k": opts.deep_k, "queries_failed": failed,
                               "engine": summarize_rankings(rankings, opts)}
    if replay is not None:
        test, base = replay
        algorithm = rerank_stage(service).config.algorithm
        section["replay"] = replay_cost(test, base, groups, pool_counter(service), algorithm,
                                        opts)
        step("replay cost")
    return section


def replay_inputs(settings: Any, db: Any, service: Any, test_ids: np.ndarray
                  ) -> tuple[Candidates, np.ndarray, str] | None:
    """Held-out logged candidates with their L1 features and the served L1's scores (None
    without a model)."""
    from index.l1.model import load_current_model
    from talent.training.dataset import build_dataset, feature_cache_dir

    model = load_current_model(settings.models_dir)
    if model is None:
        return None
    serving = service.serving
    snapshot = serving.snapshot()
    data = build_dataset(db.engine, snapshot, service.taxonomy,
                         cache_dir=feature_cache_dir(settings),
                         index_stamp=str(serving.store.applied_position(snapshot.version)))
    test = data.candidates.subset(test_ids)
    scores = np.asarray(model.predict(np.asarray(test.features, dtype=np.float32)),
                        dtype=np.float64)
    return test, scores, model.name


def run_audit(settings: Any, db: Any, options: AuditOptions | None = None,
              step: Step = lambda _: None) -> dict[str, Any]:
    """The audit report dict (see :mod:`talent.evaluation.audit`)."""
    from federator.service import SearchService

    opts = options or AuditOptions()
    unknown = sorted(set(opts.algorithms) - set(ALGORITHMS))
    if unknown:
        raise InvalidInput(f"unknown re-ranking algorithm {', '.join(unknown)}; known: "
                           f"{', '.join(ALGORITHMS)}")
    report: dict[str, Any] = {"world": world_name(db), "group_names": list(GROUP_NAMES),
                              "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    groups = MemberGroups.from_database(db, settings)
    service = SearchService.from_settings(settings, database=db)
    try:
        report["index_version"] = service.serving.version
        report["model"] = service.ranker
        cands = load_candidates(db.engine)
        if cands.rows.empty:
            raise InvalidInput("no logged searches with impressions: run `talent world simulate` "
                               "first")
        step("logs loaded")
        report["logs"] = audit_logs(cands, groups, pool_counter(service), LogAuditOptions(
            opts.start, opts.end, opts.period, opts.max_searches, opts.seed, opts.k,
            opts.resamples))
        step(f"log audit of {report['logs']['searches_audited']:,} searches")
        if opts.before_after:
            test_ids = held_out(cands, opts.test_fraction)
            held = cands.searches.loc[test_ids]
            replay = replay_inputs(settings, db, service, test_ids) if opts.replay else None
            ba = BeforeAfterOptions(opts.queries, opts.k, algorithms=opts.algorithms,
                                    seed=opts.seed, resamples=opts.resamples)
            report["before_after"] = before_after_section(
                service, groups, held, ba, None if replay is None else replay[:2], step)
            report["before_after"]["held_out_searches"] = int(len(test_ids))
    finally:
        service.close()
    return report


def evaluation_section(settings: Any, db: Any, test: Candidates, model: Any,
                       options: BeforeAfterOptions, step: Step = lambda _: None
                       ) -> dict[str, Any]:
    """The evaluation report's fairness section: the held-out searches of ``test`` before and
    after re-ranking, and the replay cost on their logged candidates (``model``'s order; none
    without a model)."""
    from federator.service import SearchService

    groups = MemberGroups.from_database(db, settings)
    service = SearchService.from_settings(settings, database=db)
    try:
        replay = None
        if model is not None and test.features is not None:
            replay = (test, np.asarray(model.predict(np.asarray(test.features, dtype=np.float32)),
                                       dtype=np.float64))
        return before_after_section(service, groups, test.searches, options, replay, step)
    finally:
        service.close()
