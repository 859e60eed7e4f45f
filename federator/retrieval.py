"""The first stage: the broker retrieves every partition's L1 top k and merges them."""

from __future__ import annotations

from dataclasses import dataclass

from federator.pipeline import RankingRequest, StageConfig
from federator.types import CandidateList
from index.serving.broker import DEFAULT_FACETS, Broker

#: Facets of a results page: the broker's value facets plus years-of-experience buckets.
SEARCH_FACETS: tuple[str, ...] = (*DEFAULT_FACETS, "years_experience")


@dataclass(frozen=True)
class RetrievalConfig(StageConfig):
    """Which facets the broker counts when a request asks for facets."""

    facet_fields: tuple[str, ...] = SEARCH_FACETS
    notice: str = ""  # e.g. the L1 model fell back (a corrupt artifact): said in its stage report


class Retrieval:
    """Stage ``broker``: fan the parsed query out to every partition, L1 in each, merge.

    It is the pipeline's source: the candidate list it is handed (empty) is ignored. The finer
    switch ``l1`` (on by default) ranks by the text-match score instead of the L1 model when off.
    """

    name = "broker"
    required = True
    switches = ("l1",)

    def __init__(self, broker: Broker, config: RetrievalConfig | None = None):
        self.broker = broker
        self.config = config or RetrievalConfig()
        self.notice = self.config.notice

    def __call__(self, request: RankingRequest, candidates: CandidateList) -> CandidateList:
        return self.broker.search(request.query, limit=None, facets=request.search.facets,
                                  facet_fields=self.config.facet_fields,
                                  use_l1=request.switch("l1", True))
