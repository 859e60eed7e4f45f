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
from index.l1.scoring import PartitionResult, prepare_scoring
from index.serving.candidates import CandidateList
from index.serving.executors import PartitionExecutor, PartitionWork, ThreadExecutor
from index.serving.expansion import ExpansionReport, TitleExpander
from index.serving.facets import facet_values, merge_counts
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
    #: "exact" (Tantivy aggregations of overflowing partitions) or "sampled" (estimates)
    facet_counts: str = "exact"

    @classmethod
    def from_settings(cls, settings: Any) -> BrokerSettings:
        return cls(settings.partition_deadline_ms, settings.retrieval_depth,
                   settings.partition_top_k,
                   facet_counts=getattr(settings, "facet_counts", "exact"))


class Broker:
    """Fans a parsed query out to the serving index's partitions and merges their top k."""

    def __init__(self, serving: ServingIndex, taxonomy: Taxonomy, scorer: L1Scorer | None = None,
                 settings: BrokerSettings | None = None, *, max_workers: int | None = None,
                 expander: TitleExpander | None = None,
                 executor: PartitionExecutor | None = None):
        self.serving = serving
        self.taxonomy = taxonomy
        self.scorer = scorer
        self.settings = settings or BrokerSettings()
        #: title expansion (LINE): the query rewrite before the fan-out; None: no embeddings
        self.expander = expander
        self.executor: PartitionExecutor = executor or ThreadExecutor(
            max_workers or max(4, len(serving.partitions)))
        local = [p for p in serving.partitions if hasattr(p, "forward")]  # not Ray's proxies
        if local:
            prepare_scoring(local[0].forward)

    @property
    def ranker(self) -> str:
        return self.scorer.name if self.scorer is not None else FALLBACK_RANKER

    def plan(self, parsed: ParsedQuery, snapshot: IndexSnapshot | None = None, *,
             expansion: bool = True) -> QueryPlan:
        """The query plan of ``parsed`` (with its title expansions ready when an expander is
        loaded and ``expansion`` is on; see :meth:`QueryPlan.with_expansion`)."""
        planned = (self.expander.plan(parsed, switched_on=expansion)
                   if self.expander is not None else None)
        return build_plan(parsed, snapshot or self.serving.snapshot(), self.taxonomy, planned,
                          statistics=self.executor.term_statistics)

    def search(self, parsed: ParsedQuery, *, limit: int | None = None, facets: bool = False,
               facet_fields: tuple[str, ...] = DEFAULT_FACETS,
               use_l1: bool = True, expansion: bool = True) -> CandidateList:
        """Candidates of ``parsed`` best first (at most ``limit``, default every partition's top k).

        ``use_l1=False`` ranks by the text-match score even when an L1 model is loaded (the
        evaluation's "L1 off"); ``expansion=False`` never adds expanded titles (suggestions are
        still offered)."""
        t0 = time.perf_counter()
        scorer = self.scorer if use_l1 else None
        ranker = self.ranker if use_l1 else TEXT_MATCH_RANKER
        snapshot = self.serving.snapshot()
        planned = (self.expander.plan(parsed, switched_on=expansion)
                   if self.expander is not None else None)
        t_expansion = time.perf_counter()
        plan = build_plan(parsed, snapshot, self.taxonomy, planned,
                          statistics=self.executor.term_statistics)
        expand_now, reason = self._expand_before_fan_out(plan, snapshot)
        t1 = time.perf_counter()
        fields = facet_fields if facets else ()
        results, failures = self._fan_out(snapshot, plan.with_expansion() if expand_now else plan,
                                          scorer, fields)
        t2 = time.perf_counter()
        matches_before: int | None = None
        refetch_ms = 0.0
        applied = expand_now
        if not expand_now and plan.expanded_root is not None:
            matches_before = sum(r.count for r in results)
            minimum = self.expander.config.min_matches if self.expander is not None else 0
            if plan.expansion is not None and plan.expansion.mode == "auto" \
                    and matches_before < minimum:
                # the frequencies did not bound the matches below the minimum, the count did
                results, failures = self._fan_out(snapshot, plan.with_expansion(), scorer, fields)
                refetch_ms = (time.perf_counter() - t2) * 1e3
                applied = True
                reason = f"{matches_before} matches (fewer than {minimum})"
            else:
                reason = f"{matches_before} matches (at least {minimum})"
        t2 = time.perf_counter()
        merged = _merge(results, limit)
        facets = (facet_values(merge_counts(r.facets for r in results), snapshot.vocab,
                               self.settings.facet_size) if fields else {})
        t3 = time.perf_counter()
        timings = {"plan": (t1 - t0) * 1e3, "partitions": (t2 - t1) * 1e3 - refetch_ms,
                   "merge": (t3 - t2) * 1e3}
        if planned is not None:
            timings["expansion"] = (t_expansion - t0) * 1e3
        if refetch_ms:
            timings["expansion_refetch"] = refetch_ms
        for stage in ("retrieve", "features", "l1", "facets"):
            values = [r.timings.get(stage, 0.0) for r in results]
            timings[f"partition_{stage}_max"] = max(values, default=0.0)
        return CandidateList(member_ids=merged[0], scores=merged[1], shards=merged[2],
                             features=merged[3], feature_names=FEATURE_NAMES,
                             total=sum(r.count for r in results),
                             facets=facets,
                             partitions_answered=sorted(r.shard for r in results),
                             partitions_total=len(snapshot.partitions), failures=failures,
                             ranker=ranker, timings=timings,
                             facets_approximate=bool(fields) and any(r.facets_approximate
                                                                     for r in results),
                             expansion=self._report(plan, applied, reason, matches_before))

    def _expand_before_fan_out(self, plan: QueryPlan, snapshot: IndexSnapshot
                               ) -> tuple[bool, str]:
        """Whether to search the expanded plan at once (and why): ``always``, or ``auto`` when the
        document frequencies bound the plain query's matches below the minimum."""
        expansion = plan.expansion
        if expansion is None or self.expander is None:
            return False, ""
        if expansion.mode == "off":
            return False, "expansion is off for this search"
        if plan.expanded_root is None:
            return False, "no title in the query has a similar title above the threshold"
        if expansion.mode == "always":
            return True, "expand:always"
        minimum = self.expander.config.min_matches
        bound = sum(plan.match_bound(p) for p in snapshot.partitions)
        if bound < minimum:
            return True, f"at most {bound} matches (fewer than {minimum})"
        return False, ""

    def _report(self, plan: QueryPlan, applied: bool, reason: str,
                matches_before: int | None) -> ExpansionReport | None:
        e = plan.expansion
        if e is None:
            return None
        return ExpansionReport(applied, reason, e.mode, e.titles, e.suggestions, e.excluded,
                               e.source, matches_before)

    def _fan_out(self, snapshot: IndexSnapshot, plan: QueryPlan, scorer: L1Scorer | None,
                 fields: tuple[str, ...]) -> tuple[list[PartitionResult], dict[int, str]]:
        """Every partition's result for ``plan`` (those that answered in time) and the failures."""
        cfg = self.settings
        work = PartitionWork(cfg.retrieval_depth, cfg.partition_top_k, fields, cfg.facet_size,
                             cfg.facet_counts)
        fan = self.executor.fan_out(snapshot, plan, scorer, work, cfg.deadline_ms / 1000.0)
        results, failures = fan.results, fan.failures
        if failures:
            log.warning("broker.partial", failures=failures,
                        answered=sorted(r.shard for r in results))
        return results, failures

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
