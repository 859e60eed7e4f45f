"""The search service: request -> parse -> stages -> page assembly -> response.

The stages (:mod:`federator.pipeline`) run in order, each ``(request, candidates) ->
candidates``: today the broker (retrieval and L1 in every partition, :mod:`federator.retrieval`);
L2, representative re-ranking and the in-session bandit join the list after it. Everything a
stage needs (taxonomy, index, models) is handed to it when the service is built, by
:meth:`SearchService.from_settings` or by the caller: nothing is discovered inside a stage.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from federator.labels import (
    CompanyNames,
    FacetLabels,
    company_names_from_database,
    no_company_names,
)
from federator.page import PageAssembler
from federator.pipeline import Pipeline, PipelineRun, RankingRequest, Stage
from federator.retrieval import Retrieval, RetrievalConfig
from federator.types import CandidateList, SearchRequest, SearchResponse
from index.l1.features import FEATURE_NAMES
from index.l1.model import L1Scorer, load_current_model
from index.serving.broker import Broker, BrokerSettings
from index.serving.serving_index import ServingIndex
from talent.logging import get_logger
from talent.query import ParsedQuery, parse_query
from talent.taxonomy.model import Taxonomy

log = get_logger(__name__)


def bandit_stage(settings: Any, serving: ServingIndex) -> Stage:
    """Stage ``bandit`` over the review sessions in the cache ``settings.cache_url`` names."""
    from federator.bandit import BanditConfig, BanditStage
    from federator.sessions import SessionStore
    from talent.cache import open_cache

    sessions = SessionStore(open_cache(settings.cache_url), ttl=settings.review_session_ttl)
    return BanditStage(sessions, serving, BanditConfig.from_settings(settings))


def empty_candidates() -> CandidateList:
    """What the first stage is handed: nothing yet."""
    return CandidateList(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int16),
                         np.zeros((0, len(FEATURE_NAMES)), np.float32), FEATURE_NAMES, 0, {}, [], 0,
                         {}, "", {})


class SearchService:
    """Parses requests, runs the stages and assembles pages; thread-safe.

    Parameters
    ----------
    taxonomy:
        The taxonomy queries are standardized against (the world's, see
        :func:`talent.world.config.world_taxonomy`).
    serving:
        The serving index the broker searches and pages read.
    stages:
        The ranking stages in order; the first is the broker's :class:`Retrieval`.
    company_names:
        Company id -> name for facet labels (ids are shown without it).
    """

    def __init__(self, taxonomy: Taxonomy, serving: ServingIndex, stages: Sequence[Stage],
                 company_names: CompanyNames = no_company_names):
        if not stages or not isinstance(stages[0], Retrieval):
            raise ValueError("the first stage must be the broker's Retrieval")
        self.taxonomy = taxonomy
        self.serving = serving
        self.pipeline = Pipeline(stages)
        self.broker: Broker = stages[0].broker
        self.pages = PageAssembler(serving)
        self.labels = FacetLabels(taxonomy, company_names)

    @classmethod
    def build(cls, taxonomy: Taxonomy, serving: ServingIndex, scorer: L1Scorer | None = None, *,
              broker_settings: BrokerSettings | None = None,
              company_names: CompanyNames = no_company_names,
              retrieval: RetrievalConfig | None = None,
              extra_stages: Sequence[Stage] = ()) -> SearchService:
        """The service over ``serving`` with the broker (L1 ``scorer``, text match without one)
        followed by ``extra_stages``."""
        broker = Broker(serving, taxonomy, scorer, broker_settings)
        return cls(taxonomy, serving, [Retrieval(broker, retrieval), *extra_stages], company_names)

    @classmethod
    def from_settings(cls, settings: Any, *, database: Any = None, taxonomy: Taxonomy | None = None,
                      load_model: bool = True) -> SearchService:
        """Wire the service from settings: the serving index, the world's taxonomy (read through
        ``database`` unless given), the current L1 model (text match when there is none or with
        ``load_model=False``) and company names from ``database``."""
        from talent.world.config import world_taxonomy

        serving = ServingIndex.from_settings(settings)
        try:
            if taxonomy is None:
                taxonomy = world_taxonomy(settings, database)
            scorer = load_current_model(settings.models_dir) if load_model else None
        except BaseException:
            serving.close()
            raise
        if scorer is None and load_model:
            log.info("search.no_l1_model", models_dir=str(settings.models_dir))
        names = company_names_from_database(database) if database is not None else no_company_names
        stages: list[Stage] = []
        stages.append(bandit_stage(settings, serving))  # last: after l2 and rerank
        return cls.build(taxonomy, serving, scorer,
                         broker_settings=BrokerSettings.from_settings(settings),
                         company_names=names, extra_stages=stages)

    def stage(self, name: str) -> Stage | None:
        """The pipeline's stage called ``name``, if it has one."""
        return next((s for s in self.pipeline.stages if s.name == name), None)

    @property
    def ranker(self) -> str:
        return self.broker.ranker

    def parse(self, request: SearchRequest) -> ParsedQuery:
        return parse_query(request.query, self.taxonomy)

    def rank(self, request: SearchRequest, parsed: ParsedQuery | None = None) -> PipelineRun:
        """Run the stages for ``request`` (parsed here unless given): the final candidates, the
        stage reports and timings, without a page."""
        ranking = RankingRequest(request, parsed if parsed is not None else self.parse(request))
        return self.pipeline.run(ranking, empty_candidates())

    def search(self, request: SearchRequest) -> SearchResponse:
        """Parse, rank and assemble one page. Raises ``QueryError`` for a bad query and
        ``InvalidInput`` for an unknown stage switch."""
        t0 = time.perf_counter()
        self.pipeline.check_switches(request.stages)
        parsed = self.parse(request)
        timings = {"parse": (time.perf_counter() - t0) * 1e3}
        run = self.pipeline.run(RankingRequest(request, parsed), empty_candidates())
        timings.update(run.timings)
        candidates = run.candidates
        t1 = time.perf_counter()
        cards = self.pages.cards(parsed, candidates, request.offset, request.page_size)
        facets = self.labels.facets(candidates.facets) if request.facets else {}
        timings["page"] = (time.perf_counter() - t1) * 1e3
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return SearchResponse(
            query=parsed.canonical_text or (parsed.text or ""), query_type=parsed.query_type,
            total=candidates.total,
            page=request.page, page_size=request.page_size, results=cards, facets=facets,
            standardizations=[s.display() for s in parsed.standardizations if s.positive
                              or s.role != "include"],
            partial=candidates.partial, partitions_answered=candidates.partitions_answered,
            partitions_total=candidates.partitions_total, ranker=candidates.ranker, timings=timings,
            index_version=self.serving.version, stages=run.reports,
        )

    def close(self) -> None:
        self.broker.close()
        self.serving.close()
