"""What the federator takes and returns: the search request, candidates, and the response.

Stages talk through these small dataclasses (all JSON-ready through :meth:`to_dict`):

``SearchRequest`` -> parse -> stages (:mod:`federator.pipeline`: the broker's ``CandidateList``,
then L2, re-ranking, the bandit as they arrive) -> page assembly -> ``SearchResponse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from federator.pipeline import StageReport
from talent.errors import InvalidInput

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class SearchRequest:
    """One recruiter search: text (``"title:nurse python"``) or the structured JSON form."""

    recruiter_id: int | None
    contract_id: int | None
    query: str | dict[str, Any]
    page: int = 1
    page_size: int = 25
    facets: bool = True
    session_id: str | None = None
    #: per-request stage switches, e.g. ``{"l2": False}`` (see :mod:`federator.pipeline`)
    stages: Mapping[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(not isinstance(v, bool) for v in self.stages.values()):
            raise InvalidInput("stage switches must be true or false")
        if self.page < 1:
            raise InvalidInput(f"page must be >= 1, got {self.page}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidInput(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {self.page_size}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


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

    @property
    def partial(self) -> bool:
        return len(self.partitions_answered) < self.partitions_total

    def __len__(self) -> int:
        return len(self.member_ids)

    def reordered(self, order: np.ndarray, scores: np.ndarray | None = None,
                  timings: dict[str, float] | None = None) -> CandidateList:
        """The candidates at positions ``order`` (a permutation or a prefix of one), best first,
        with new ``scores`` (aligned with ``order``) if given; counts and facets are kept."""
        order = np.asarray(order, dtype=np.int64)
        if len(np.unique(order)) != len(order) or (len(order) and (order.min() < 0 or order.max() >= len(self))):
            raise ValueError("a stage may only reorder or cut the candidates it was given")
        return replace(self, member_ids=self.member_ids[order], shards=self.shards[order],
                       features=self.features[order],
                       scores=self.scores[order] if scores is None else np.asarray(scores, dtype=np.float32),
                       timings=dict(timings or {}))

    def candidates(self, start: int = 0, stop: int | None = None) -> list[Candidate]:
        stop = len(self) if stop is None else min(stop, len(self))
        return [Candidate(int(self.member_ids[i]), float(self.scores[i]), int(self.shards[i]), self.features[i])
                for i in range(start, stop)]


@dataclass(frozen=True)
class ResultCard:
    """One candidate on the results page, with what the UI shows and highlights."""

    member_id: int
    rank: int
    name: str
    title: str
    company: str | None
    location: str | None
    headline: str
    open_to_work: bool
    score: float
    skills: list[str] = field(default_factory=list)
    matched_skills: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FacetValue:
    value: Any
    label: str
    count: int


@dataclass(frozen=True)
class SearchResponse:
    """What a search returns: one page of candidates and everything around it."""

    query: str
    query_type: str
    total: int
    page: int
    page_size: int
    results: list[ResultCard]
    facets: dict[str, list[FacetValue]]
    standardizations: list[str]         # "title: Software Developers (15-1252.00)"
    partial: bool
    partitions_answered: list[int]
    partitions_total: int
    ranker: str
    timings: dict[str, float]           # stage -> milliseconds, and "total"
    index_version: str = ""
    stages: list[StageReport] = field(default_factory=list)  # how each ranking stage went

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (numpy scalars converted)."""
        return _plain(asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
