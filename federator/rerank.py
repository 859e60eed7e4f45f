"""Stage ``rerank``: gender-representative re-ranking of the list the stage before produced.

The desired distribution of a query is the gender mix of its *qualified pool*: every member the
query matches in every partition (:mod:`federator.pool`), counted from the protected store
(:mod:`talent.protected`, which this module and the fairness audit alone read), with
``unknown`` as a group of its own. The candidates are then reordered so that every prefix holds
each group near its share (:mod:`talent.ranking.representative`: DetGreedy by default,
DetCons, DetRelaxed or DetConstSort); nothing is added or removed, and each candidate keeps its
own score.

Switches: ``rerank`` (off: the list is left as it is, for evaluation) and one per algorithm,
``rerank_detgreedy``, ``rerank_detcons``, ``rerank_detrelaxed``, ``rerank_detconstsort``
(``true`` picks it for this request). The response's ``debug["rerank"]`` carries aggregate
figures only, before and after: MinSkew@k, MaxSkew@k, NDKL@k, InfeasibleIndex@k and
InfeasibleCount@k (k = 25), the share of the unconstrained list's utility kept (NDCG@k) and the
pool's size; never a group's name, share or count, nor anything about one candidate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from federator.pipeline import RankingRequest, StageConfig
from federator.pool import PoolCount, QualifiedPool
from federator.types import CandidateList
from index.serving.broker import Broker
from talent.errors import InvalidInput, TalentError
from talent.protected import GenderStore, load_gender_store, protected_dir
from talent.ranking.fairness import ndcg_kept, representativeness
from talent.ranking.representative import ALGORITHMS, Algorithm, desired_shares, rerank

#: per-request switch -> the algorithm it picks
ALGORITHM_SWITCHES: dict[str, str] = {f"rerank_{a}": a for a in ALGORITHMS}
#: the cut-off of the figures in the response's debug section (a results page)
METRICS_K = 25


@dataclass(frozen=True)
class RerankConfig(StageConfig):
    """The algorithm a request gets unless it picks one; the pool count's deadline and cache."""

    algorithm: Algorithm = "detgreedy"
    metrics_k: int = METRICS_K
    pool_deadline_ms: int = 2000
    pool_cache_size: int = 256
    pool_cache_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any) -> RerankConfig:
        """``rerank_algorithm = "off"``: the stage runs only when a request switches it on (with
        DetGreedy unless it picks another)."""
        choice = settings.rerank_algorithm
        return cls(enabled=choice != "off", algorithm="detgreedy" if choice == "off" else choice,
                   pool_deadline_ms=settings.partition_deadline_ms,
                   pool_cache_seconds=settings.rerank_pool_cache_seconds)


class PoolUnavailable(TalentError):
    """No partition answered the qualified-pool count: the ranking is left as it was."""


class RepresentativeRerank:
    """Stage ``rerank`` (see the module docstring)."""

    name = "rerank"
    required = False
    switches = tuple(ALGORITHM_SWITCHES)

    def __init__(self, store: GenderStore, pool: QualifiedPool, config: RerankConfig | None = None):
        self.store = store
        self.pool = pool
        self.config = config or RerankConfig()

    @classmethod
    def build(cls, broker: Broker, store: GenderStore,
              config: RerankConfig | None = None) -> RepresentativeRerank:
        """The stage over ``broker``'s index, counting pools with ``store``."""
        config = config or RerankConfig()
        pool = QualifiedPool(broker, store.counts, deadline_ms=config.pool_deadline_ms,
                             cache_size=config.pool_cache_size,
                             cache_seconds=config.pool_cache_seconds)
        return cls(store, pool, config)

    @classmethod
    def from_settings(cls, settings: Any, broker: Broker, database: Any) -> RepresentativeRerank:
        """The stage with the protected store of ``database`` (kept under the data home)."""
        store = load_gender_store(database, protected_dir(settings))
        return cls.build(broker, store, RerankConfig.from_settings(settings))

    def algorithm_for(self, request: RankingRequest) -> str:
        """The algorithm the request picked (at most one), else the configured one."""
        picked = [a for switch, a in ALGORITHM_SWITCHES.items()
                  if request.search.stages.get(switch) is True]
        if len(picked) > 1:
            raise InvalidInput(f"pick one re-ranking algorithm, not {', '.join(picked)}")
        return picked[0] if picked else self.config.algorithm

    def pool_counts(self, request: RankingRequest, candidates: CandidateList
                    ) -> tuple[np.ndarray, PoolCount]:
        """The query's qualified pool by group (holding the candidates at least: a partition
        missing from the count cannot push them out), and the count itself."""
        pool = self.pool(request.query, candidates)
        if pool.partitions_answered == 0 and len(candidates):
            raise PoolUnavailable("no partition answered the qualified-pool count")
        return np.maximum(pool.counts, self.store.counts(candidates.member_ids)), pool

    def __call__(self, request: RankingRequest, candidates: CandidateList) -> CandidateList:
        algorithm = self.algorithm_for(request)
        if len(candidates) == 0:
            return candidates
        t0 = time.perf_counter()
        counts, pool = self.pool_counts(request, candidates)
        shares, size = desired_shares(counts), int(counts.sum())
        t1 = time.perf_counter()
        groups = self.store.codes_of(candidates.member_ids)
        order = rerank(groups, shares, algorithm)
        t2 = time.perf_counter()
        k = self.config.metrics_k
        debug: dict[str, Any] = {
            "algorithm": algorithm, "k": k, "pool_members": pool.members,
            "pool_partial": pool.partial, "pool_cached": pool.cached,
            "pool_partitions_searched": pool.searched,
            "before": representativeness(groups, shares, k, size).as_dict(),
            "after": representativeness(groups[order], shares, k, size).as_dict(),
            "ndcg_kept": ndcg_kept(candidates.scores, order, k),
        }
        t3 = time.perf_counter()
        return candidates.reordered(order, timings={"pool": (t1 - t0) * 1e3,
                                                    "reorder": (t2 - t1) * 1e3,
                                                    "metrics": (t3 - t2) * 1e3}, debug=debug)

    def close(self) -> None:
        self.pool.close()
