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
from federator.rerank import RepresentativeRerank
from federator.retrieval import Retrieval, RetrievalConfig
from federator.types import CandidateList, SearchRequest, SearchResponse
from index.l1.features import FEATURE_NAMES
from index.l1.model import L1Model, L1Scorer, ServingModel, load_serving_model
from index.serving.broker import Broker, BrokerSettings
from index.serving.executors import PartitionExecutor
from index.serving.expansion import TitleExpander
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
              extra_stages: Sequence[Stage] = (),
              expander: TitleExpander | None = None,
              executor: PartitionExecutor | None = None) -> SearchService:
        """The service over ``serving`` with the broker (L1 ``scorer``, text match without one;
        title expansion with ``expander``) followed by ``extra_stages``; the broker reaches the
        partitions through ``executor`` (default: threads of this process)."""
        broker = Broker(serving, taxonomy, scorer, broker_settings, expander=expander,
                        executor=executor)
        return cls(taxonomy, serving, [Retrieval(broker, retrieval), *extra_stages], company_names)

    @classmethod
    def from_settings(cls, settings: Any, *, database: Any = None, taxonomy: Taxonomy | None = None,
                      load_model: bool = True, cache: Any = None,
                      replay: bool = False) -> SearchService:
        """Wire the service from settings: the serving index, the world's taxonomy (read through
        ``database`` unless given), the current L1 model (text match when there is none or with
        ``load_model=False``), the current title embeddings (no expansion without them; an L1
        model trained with other embeddings is refused), company names from ``database``, then
        the federator's stages: L2 (its dynamic features from ``cache``, else the settings' cache;
        with ``replay``, from the database's event history as of each request's ``as_of``) and
        representative re-ranking (its protected store in ``database``)."""
        from federator.l2 import build_l2
        from talent.embeddings.artifact import check_embedding_version
        from talent.world.config import world_taxonomy

        executor: PartitionExecutor | None = None
        if settings.backend == "ray":  # the partitions as Ray actors (index/cluster)
            from index.cluster.serving import open_cluster

            serving, executor = open_cluster(settings)
        else:
            serving = ServingIndex.from_settings(settings)
        try:
            if taxonomy is None:
                taxonomy = world_taxonomy(settings, database)
            # a corrupt CURRENT model falls back to the previous one or text match (flagged)
            chosen = load_serving_model(settings.models_dir) if load_model else ServingModel(None)
            expander = TitleExpander.from_settings(settings, taxonomy)
            if chosen.model is not None and chosen.model.uses("title_expansion"):
                check_embedding_version(f"L1 model {chosen.model.name}",
                                        chosen.model.embedding_version,
                                        expander.version if expander is not None else None)
        except BaseException:
            serving.close()
            raise
        scorer = chosen.model
        if scorer is None and load_model and not chosen.notice:
            log.info("search.no_l1_model", models_dir=str(settings.models_dir))
        names = company_names_from_database(database) if database is not None else no_company_names
        broker = Broker(serving, taxonomy, scorer, BrokerSettings.from_settings(settings),
                        expander=expander, executor=executor)
        stages: list[Stage] = [Retrieval(broker, RetrievalConfig(notice=chosen.notice))]
        try:
            if load_model:
                l1 = scorer if isinstance(scorer, L1Model) else None
                stages.append(build_l2(settings, l1, database, cache=cache, replay=replay))
            # the session's feedback re-orders before representative re-ranking has the last
            # word: the page a recruiter sees keeps the qualified pool's gender mix
            stages.append(bandit_stage(settings, serving))
            if database is not None:  # representative re-ranking reads its protected store there
                stages.append(RepresentativeRerank.from_settings(settings, broker, database))
        except BaseException:
            broker.close()
            serving.close()
            raise
        return cls(taxonomy, serving, stages, names)

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
            index_version=self.serving.version, stages=run.reports, debug=run.debug,
            facets_approximate=bool(request.facets and candidates.facets_approximate),
            expansion=candidates.expansion,
        )

    def close(self) -> None:
        for stage in self.pipeline.stages[1:]:
            close = getattr(stage, "close", None)
            if close is not None:
                close()
        self.broker.close()
        self.serving.close()
