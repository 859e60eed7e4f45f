"""One partition's L1 work: retrieve its matches, compute their features, score them, keep
its top k."""

from __future__ import annotations

import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.forward import ForwardStore
from index.l1.coverage import prepare_coverage
from index.l1.features import candidate_features, prepare_features, text_match_score
from index.l1.model import L1Scorer
from index.serving.facets import (
    PartitionFacets,
    engine_counts,
    forward_counts,
    prepare_facets,
    scaled_counts,
)
from index.serving.partition import Partition
from index.serving.plan import QueryPlan
from index.serving.snapshot import IndexSnapshot
from talent.faults import inject


@dataclass
class PartitionResult:
    """A partition's top k by L1 score with their features, its match count and facets."""

    shard: int
    member_ids: np.ndarray
    scores: np.ndarray
    features: np.ndarray
    count: int
    facets: PartitionFacets
    timings: dict[str, float]
    facets_approximate: bool = False  # scaled from the retrieved matches (``sampled``)


def prepare_scoring(store: ForwardStore) -> None:
    """Compile the loops :func:`score_partition` runs (text coverage, the other features, facet
    counts) for ``store``'s arrays now, so that a recruiter's first search does not wait."""
    prepare_coverage(store)
    prepare_features(store)
    prepare_facets(store)


def score_partition(snapshot: IndexSnapshot, partition: Partition, plan: QueryPlan,
                    scorer: L1Scorer | None, *,
                    depth: int, top_k: int, facet_fields: tuple[str, ...] = (),
                    facet_size: int = 100,
                    facet_pool: Executor | None = None,
                    facet_counts: str = "exact") -> PartitionResult:
    """Retrieve up to ``depth`` matches, score them with L1 (text match without a model), keep
    ``top_k``.

    Facets of a partition that matched more than it retrieved take a Tantivy aggregation over
    every match; with ``facet_pool`` it runs there while this thread computes the features and
    scores (Tantivy releases the GIL, the feature code holds it)."""
    t0 = time.perf_counter()
    inject("partition", shard=partition.shard)  # the fault matrix only (TALENT_FAULT_FILE)
    query = plan.compile(partition)
    hits = partition.search(query, depth)
    t1 = time.perf_counter()
    every_match = hits.count <= len(hits)
    sampled = bool(facet_fields) and not every_match and facet_counts == "sampled"
    pending: Future[dict[str, dict[Any, int]]] | None = None
    if facet_fields and not every_match and not sampled and facet_pool is not None:
        pending = facet_pool.submit(partition.facets, query, facet_fields, facet_size)
    batch = partition.features(hits.member_ids)
    X = candidate_features(snapshot, partition, plan, hits.member_ids, batch)
    t2 = time.perf_counter()
    scores = scorer.predict(X) if scorer is not None else text_match_score(X)
    order = np.lexsort((hits.member_ids, -scores))[:top_k]
    t3 = time.perf_counter()
    facets: PartitionFacets = {}
    if pending is not None:
        facets = engine_counts(pending.result(), snapshot.vocab)
    # every match's forward row is at hand: count them, no second pass over the shard
    elif sampled:  # an estimate from the retrieved matches' rows, marked approximate
        facets = scaled_counts(forward_counts(batch, facet_fields, facet_size), hits.count,
                               len(hits))
    elif facet_fields:
        facets = (forward_counts(batch, facet_fields, facet_size) if every_match
                  else engine_counts(partition.facets(query, facet_fields, facet_size),
                                     snapshot.vocab))
    t4 = time.perf_counter()
    return PartitionResult(partition.shard, hits.member_ids[order], scores[order], X[order],
                           hits.count, facets, {"retrieve": (t1 - t0) * 1e3,
                                                "features": (t2 - t1) * 1e3, "l1": (t3 - t2) * 1e3,
                                                "facets": (t4 - t3) * 1e3}, sampled)
