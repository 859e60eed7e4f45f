"""What the federator takes and returns: the search request and the response.

Stages talk through these small dataclasses (all JSON-ready through :meth:`to_dict`):

``SearchRequest`` -> parse -> stages (:mod:`federator.pipeline`: the broker's ``CandidateList``,
then L2, re-ranking, the bandit as they arrive) -> page assembly -> ``SearchResponse``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from federator.pipeline import StageReport
from index.serving.candidates import Candidate, CandidateList
from index.serving.expansion import ExpansionReport
from talent.errors import InvalidInput

__all__ = ["Candidate", "CandidateList", "FacetValue", "ResultCard", "SearchRequest",
           "SearchResponse"]

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
    #: replay a logged search as of its time (the evaluation): stages that read state that
    #: changes over time (L2's dynamic features) read it as it was then; None: now
    as_of: dt.datetime | None = None

    def __post_init__(self) -> None:
        if any(not isinstance(v, bool) for v in self.stages.values()):
            raise InvalidInput("stage switches must be true or false")
        if self.page < 1:
            raise InvalidInput(f"page must be >= 1, got {self.page}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidInput(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got "
                               f"{self.page_size}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


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
    facets_approximate: bool = False  # facet counts estimated (``facet_counts = "sampled"``)
    #: title expansion: applied or not and why, the titles it added (with their similarity),
    #: suggested titles and skills (None: no title embeddings loaded)
    expansion: ExpansionReport | None = None
    #: stage -> aggregate figures it reports (never anything about one candidate)
    debug: dict[str, dict[str, Any]] = field(default_factory=dict)

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
