"""Stage ``l2``: GLMix re-scores the broker's top N with per-recruiter and per-contract effects.

For the first ``top_n`` candidates it builds x = [L1 features, L1 score, dynamic features, leaves
of the L1 trees] (:mod:`talent.glmix`), reads the dynamic features in ONE batched cache read
(:mod:`talent.dynamic`), scores P(accept) and reorders them; candidates past ``top_n`` are cut.
The list it returns says which L1 and L2 ranked it (``ranker``).

- An L2 model trained on another L1 than the one serving is refused: the stage fails with a
  message saying so, and the runner keeps the L1 order (reported in the response's stages).
- When the cache cannot be read (Redis down), the stage still ranks, without the dynamic features
  (as if no one had history), and its report says so.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from federator.pipeline import RankingRequest, StageConfig
from federator.types import CandidateList
from index.l1.model import L1Model
from talent.dynamic.schema import DYNAMIC_FEATURE_NAMES, DynamicRecords, transform
from talent.dynamic.sources import DynamicSource
from talent.errors import ModelUnavailable, TalentError
from talent.glmix.design import CONTEXT_PREFIX, context_columns
from talent.glmix.model import GLMixModel
from talent.logging import get_logger

log = get_logger(__name__)

DYNAMIC_UNAVAILABLE = "dynamic features unavailable ({reason}): ranked without them"


@dataclass(frozen=True)
class L2Config(StageConfig):
    """``top_n``: how many of the broker's candidates L2 re-scores (and keeps)."""

    top_n: int = 1000
    dynamic: bool = True


class L2Stage:
    """Stage ``l2`` (see the module docstring)."""

    name = "l2"
    required = False
    switches: tuple[str, ...] = ()

    def __init__(self, model: GLMixModel | None, l1: L1Model | None,
                 dynamic: DynamicSource | None, config: L2Config | None = None,
                 clock: Callable[[], float] = time.time):
        self.model = model
        self.l1 = l1
        self.dynamic = dynamic
        self.clock = clock
        self.refusal = refusal_of(model, l1)
        base = config or L2Config()
        # off by default when there is nothing to serve; a request may still ask (and is told why)
        self.config = replace(base, enabled=base.enabled and self.refusal is None)
        if self.refusal and model is not None:
            log.error("l2.refused", reason=self.refusal)

    def __call__(self, request: RankingRequest, candidates: CandidateList) -> CandidateList:
        if self.refusal is not None:
            raise ModelUnavailable(self.refusal)
        assert self.model is not None and self.l1 is not None
        n = min(self.config.top_n, len(candidates))
        if n == 0:
            return candidates.reordered(np.zeros(0, np.int64), np.zeros(0), {})
        t0 = time.perf_counter()
        features = candidates.features[:n]
        l1_scores = candidates.scores[:n]
        names = self.model.spec.dense_names
        notes: list[str] = []
        timings: dict[str, float] = {}
        # the model's dense columns, in its order: L1 features, L1 score, [dynamic], [context]
        dense = [features, l1_scores[:, None]]
        if DYNAMIC_FEATURE_NAMES[0] in names:
            at = epoch_of(request.search.as_of) if request.search.as_of else self.clock()
            records = self._records(request, candidates.member_ids[:n], at, notes)
            dense.append(transform(records, at))
            timings["dynamic"] = (time.perf_counter() - t0) * 1e3
        if any(name.startswith(CONTEXT_PREFIX) for name in names):
            dense.append(context_columns(features, int(self.model.meta.get("context_rows", 100))))
        t1 = time.perf_counter()
        spec = self.model.spec
        leaves = (self.l1.leaves(features, spec.leaf_columns.shape[0]) if spec.uses_leaves
                  else None)
        timings["leaves"] = (time.perf_counter() - t1) * 1e3
        t1 = time.perf_counter()
        probs = self.model.predict(np.column_stack(dense), leaves,
                                   np.full(n, request.recruiter_id or 0),
                                   np.full(n, request.contract_id or 0))
        order = np.argsort(-probs, kind="stable")
        timings["score"] = (time.perf_counter() - t1) * 1e3
        out = candidates.reordered(order, probs[order], timings)
        return replace(out, ranker=f"{candidates.ranker} + {self.model.name}",
                       notes={**out.notes, self.name: "; ".join(notes)} if notes else out.notes)

    def _records(self, request: RankingRequest, members: np.ndarray, at: float,
                 notes: list[str]) -> DynamicRecords:
        if self.dynamic is None or not self.config.dynamic:
            notes.append(DYNAMIC_UNAVAILABLE.format(reason="switched off in the settings"))
            return DynamicRecords.empty(len(members))
        try:
            return self.dynamic.read(request.recruiter_id, request.contract_id, members, at)
        except TalentError as exc:
            log.warning("l2.dynamic_unavailable", error=str(exc))
            notes.append(DYNAMIC_UNAVAILABLE.format(reason="the cache did not answer"))
            return DynamicRecords.empty(len(members))


def epoch_of(when: dt.datetime) -> float:
    """Epoch seconds of a datetime; a naive one is UTC (as the database stores them)."""
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


def refusal_of(model: GLMixModel | None, l1: L1Model | None) -> str | None:
    """Why L2 cannot serve with this L1 (None when it can)."""
    if model is None:
        return "no L2 model: run `talent train l2` (results stay in L1 order)"
    if l1 is None:
        return "L2 re-ranks L1's candidates but no L1 model is serving: run `talent train l1`"
    if model.l1_version != l1.version:
        return (f"L2 model {model.version} was trained on L1 model {model.l1_version or '?'} but "
                f"L1 {l1.version} is serving: retrain with `talent train l2` (results stay in L1 "
                "order)")
    return None


def build_l2(settings: Any, l1: L1Model | None, database: Any = None, *, cache: Any = None,
             replay: bool = False) -> L2Stage:
    """The ``l2`` stage from settings: the current L2 model, dynamic features from the cache
    (warmed from ``database`` when cold), or with ``replay`` from the database's event history
    as of each request's ``as_of`` (the evaluation)."""
    from talent.cache.base import open_cache
    from talent.dynamic.history import EventHistory
    from talent.dynamic.sources import CacheSource, HistorySource, ensure_warm
    from talent.dynamic.store import DynamicStore
    from talent.glmix.model import load_current_l2

    config = L2Config(enabled=settings.l2_enabled, top_n=settings.l2_top_n,
                      dynamic=settings.l2_dynamic_features)
    try:
        model = load_current_l2(settings.models_dir)
    except ModelUnavailable as exc:
        log.error("l2.unavailable", error=str(exc))
        model = None
    source: DynamicSource | None = None
    if model is not None and config.dynamic:
        if replay and database is not None:
            source = HistorySource(EventHistory.from_database(database.engine))
        else:
            store = DynamicStore(cache if cache is not None else open_cache(settings.cache_url))
            source = CacheSource(store)
            if database is not None:
                try:
                    if ensure_warm(store, database.engine):
                        log.info("l2.dynamic_warmed")
                except TalentError as exc:  # the cache is down: serve, flagged per search
                    log.warning("l2.dynamic_warm_failed", error=str(exc))
    return L2Stage(model, l1, source, config)
