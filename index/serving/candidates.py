"""What the broker returns: the merged candidate list, best first, with features and provenance.

Produced here, on the broker side; the federator's stages take and return it
(``(request, candidates) -> candidates``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from index.serving.expansion import ExpansionReport


@dataclass(frozen=True)
class Candidate:
    """One ranked candidate as the broker returns it (no display fields yet)."""

    member_id: int
    score: float
    shard: int
    features: np.ndarray | None = None


@dataclass
class CandidateList:
    """The broker's merged answer: candidates best first, counts, facets and provenance."""

    member_ids: np.ndarray          # int64, best first
    scores: np.ndarray              # float32
    shards: np.ndarray              # int16, partition of each candidate
    features: np.ndarray            # float32 (n, n_features), L1 features of each candidate
    feature_names: tuple[str, ...]
    total: int                      # matches summed over the partitions that answered
    facets: dict[str, dict[Any, int]]
    partitions_answered: list[int]
    partitions_total: int
    failures: dict[int, str]        # partition -> "timeout" / error message
    ranker: str
    timings: dict[str, float]       # stage -> milliseconds
    facets_approximate: bool = False  # some partitions' facet counts are estimates
    #: what title expansion did (None: no embeddings loaded)
    expansion: ExpansionReport | None = None
    notes: dict[str, str] = field(default_factory=dict)  # stage -> what its report should say
    #: aggregate figures the stage that made this list reports (the response's debug section)
    debug: dict[str, Any] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        return len(self.partitions_answered) < self.partitions_total

    def __len__(self) -> int:
        return len(self.member_ids)

    def reordered(self, order: np.ndarray, scores: np.ndarray | None = None,
                  timings: dict[str, float] | None = None,
                  debug: dict[str, Any] | None = None) -> CandidateList:
        """The candidates at positions ``order`` (a permutation or a prefix of one), best first,
        with new ``scores`` (aligned with ``order``) if given; counts and facets are kept.
        ``timings`` are the sub-timings of the stage that reordered them, ``debug`` the aggregate
        figures it reports."""
        order = np.asarray(order, dtype=np.int64)
        if len(np.unique(order)) != len(order) or (len(order)
                                                   and (order.min() < 0
                                                        or order.max() >= len(self))):
            raise ValueError("a stage may only reorder or cut the candidates it was given")
        return replace(self, member_ids=self.member_ids[order], shards=self.shards[order],
                       features=self.features[order],
                       scores=self.scores[order] if scores is None
                       else np.asarray(scores, dtype=np.float32),
                       timings=dict(timings or {}), debug=dict(debug or {}))

    def candidates(self, start: int = 0, stop: int | None = None) -> list[Candidate]:
        stop = len(self) if stop is None else min(stop, len(self))
        return [Candidate(int(self.member_ids[i]), float(self.scores[i]), int(self.shards[i]),
                          self.features[i])
                for i in range(start, stop)]
