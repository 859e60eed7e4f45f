"""The broker: one request fanned out to every partition in parallel, answers merged.

Each partition retrieves its matches, scores them with L1 and returns its top k with their
features (:func:`index.l1.scoring.score_partition`); the broker merges by L1 score (ties by
member id, so 1 shard and N shards rank the same), sums match counts and facet counts, and
reports which partitions answered. A partition that raises or misses ``deadline_ms`` is left
out and the result is flagged partial; the search itself never fails for it.

How a partition is reached is the :class:`~index.serving.executors.PartitionExecutor`'s
business: threads of this process (the default) or Ray actors (:mod:`index.cluster`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.l1.features import FALLBACK_RANKER, FEATURE_NAMES, TEXT_MATCH_RANKER
from index.l1.model import L1Scorer
from index.l1.scoring import PartitionResult
from index.serving.candidates import CandidateList
from index.serving.executors import PartitionExecutor, PartitionWork, ThreadExecutor
from index.serving.partition import merge_facets
from index.serving.plan import QueryPlan, build_plan
from index.serving.serving_index import ServingIndex
from index.serving.snapshot import IndexSnapshot
from talent.logging import get_logger
from talent.query import ParsedQuery
from talent.taxonomy.model import Taxonomy

log = get_logger(__name__)

#: Facets counted for the results page.
DEFAULT_FACETS: tuple[str, ...] = ("title_id", "skill_ids", "company_id", "metro_id", "industry_id",
                                   "seniority", "open_to_work")


@dataclass(frozen=True)
class BrokerSettings:
    deadline_ms: int = 2000
    retrieval_depth: int = 2000
    partition_top_k: int = 250
    facet_size: int = 100

    @classmethod
    def from_settings(cls, settings: Any) -> BrokerSettings:
        return cls(settings.partition_deadline_ms, settings.retrieval_depth,
                   settings.partition_top_k)


class Broker:
    """Fans a parsed query out to the serving index's partitions and merges their top k."""

    def __init__(self, serving: ServingIndex, taxonomy: Taxonomy, scorer: L1Scorer | None = None,
                 settings: BrokerSettings | None = None, *, max_workers: int | None = None,
                 executor: PartitionExecutor | None = None):
        self.serving = serving
        self.taxonomy = taxonomy
        self.scorer = scorer
        self.settings = settings or BrokerSettings()
        self.executor: PartitionExecutor = executor or ThreadExecutor(
            max_workers or max(4, len(serving.partitions)))

    @property
    def ranker(self) -> str:
        return self.scorer.name if self.scorer is not None else FALLBACK_RANKER

    def plan(self, parsed: ParsedQuery, snapshot: IndexSnapshot | None = None) -> QueryPlan:
        return build_plan(parsed, snapshot or self.serving.snapshot(), self.taxonomy,
                          statistics=self.executor.term_statistics)

    def search(self, parsed: ParsedQuery, *, limit: int | None = None, facets: bool = False,
               facet_fields: tuple[str, ...] = DEFAULT_FACETS,
               use_l1: bool = True) -> CandidateList:
        """Candidates of ``parsed`` best first (at most ``limit``, default every partition's top k).

        ``use_l1=False`` ranks by the text-match score even when an L1 model is loaded (the
        evaluation's "L1 off")."""
        t0 = time.perf_counter()
        scorer = self.scorer if use_l1 else None
        ranker = self.ranker if use_l1 else TEXT_MATCH_RANKER
        snapshot = self.serving.snapshot()
        plan = self.plan(parsed, snapshot)
        t1 = time.perf_counter()
        cfg = self.settings
        fields = facet_fields if facets else ()
        work = PartitionWork(cfg.retrieval_depth, cfg.partition_top_k, fields, cfg.facet_size)
        fan = self.executor.fan_out(snapshot, plan, scorer, work, cfg.deadline_ms / 1000.0)
        t2 = time.perf_counter()
        results, failures = fan.results, fan.failures
        if failures:
            log.warning("broker.partial", failures=failures,
                        answered=sorted(r.shard for r in results))
        merged = _merge(results, limit)
        t3 = time.perf_counter()
        timings = {"plan": (t1 - t0) * 1e3, "partitions": (t2 - t1) * 1e3, "merge": (t3 - t2) * 1e3}
        for stage in ("retrieve", "features", "l1", "facets"):
            values = [r.timings.get(stage, 0.0) for r in results]
            timings[f"partition_{stage}_max"] = max(values, default=0.0)
        return CandidateList(member_ids=merged[0], scores=merged[1], shards=merged[2],
                             features=merged[3], feature_names=FEATURE_NAMES,
                             total=sum(r.count for r in results),
                             facets=merge_facets(r.facets for r in results) if fields else {},
                             partitions_answered=sorted(r.shard for r in results),
                             partitions_total=len(snapshot.partitions), failures=failures,
                             ranker=ranker, timings=timings)

    def close(self) -> None:
        self.executor.close()


def _merge(results: list[PartitionResult], limit: int | None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not results:
        return (np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int16),
                np.zeros((0, len(FEATURE_NAMES)), np.float32))
    ids = np.concatenate([r.member_ids for r in results])
    scores = np.concatenate([r.scores for r in results])
    shards = np.concatenate([np.full(len(r.member_ids), r.shard, dtype=np.int16) for r in results])
    X = np.concatenate([r.features for r in results])
    order = np.lexsort((ids, -scores))
    if limit is not None:
        order = order[:limit]
    return ids[order], scores[order], shards[order], X[order]
