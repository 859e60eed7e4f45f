"""The search service: request -> parse -> broker (retrieval + L1) -> page assembly -> response.

Each stage is one method with explicit inputs and outputs so later stages (L2, representative
re-ranking, the in-session bandit) slot in between :meth:`SearchService.retrieve` and
:meth:`SearchService.assemble` without touching the others.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from typing import Any

from federator.types import CandidateList, FacetValue, ResultCard, SearchRequest, SearchResponse
from index.l1.model import L1Scorer, load_current_model
from index.schema import analyze
from index.serving import queries as Q
from index.serving.broker import DEFAULT_FACETS, Broker, BrokerSettings
from index.serving.partition import RANGE_FACETS
from index.serving.serving_index import ServingIndex
from talent.logging import get_logger
from talent.query import ParsedQuery, parse_query
from talent.storage.models import SENIORITY_LEVELS
from talent.taxonomy.model import Taxonomy, normalize

log = get_logger(__name__)

FACETS_SHOWN = 15

#: Facets of a results page: the broker's value facets plus years-of-experience buckets.
SEARCH_FACETS: tuple[str, ...] = (*DEFAULT_FACETS, "years_experience")


def search_taxonomy(settings: Any, database: Any = None) -> Taxonomy:
    """The taxonomy the database's world was generated with (the settings' one without a world)."""
    from talent.taxonomy import taxonomy_from_settings

    if database is not None:
        try:
            from sqlalchemy import select

            from talent.storage.models import WorldInfo
            from talent.world.config import WorldConfig, resolve_taxonomy

            with database.session() as s:
                config = s.scalars(select(WorldInfo.config).order_by(WorldInfo.generated_at.desc())).first()
            if config is not None:
                return resolve_taxonomy(WorldConfig.model_validate(config), settings)
        except Exception as exc:  # noqa: BLE001 - no world: the configured taxonomy
            log.info("search.taxonomy_from_settings", reason=str(exc))
    return taxonomy_from_settings(settings)


def range_facet(counts: dict[tuple[float | None, float | None], int]) -> list[FacetValue]:
    """Range buckets (``(lower, upper)``, lower inclusive) in ascending order, empty ones left out.

    Each value is the ``years_experience`` range of a structured query that selects exactly the
    bucket (``{"min": 3.0, "max": 5.999999999999999}`` for 3 <= years < 6; both ends of a query
    range are inclusive, so the upper one is the largest float below the bucket's edge).
    """
    items = sorted(counts.items(), key=lambda kv: -math.inf if kv[0][0] is None else kv[0][0])
    out = []
    for (lower, upper), n in items:
        if n <= 0:
            continue
        value = {"min": lower, "max": None if upper is None else math.nextafter(upper, -math.inf)}
        out.append(FacetValue(value, _range_label(lower, upper), int(n)))
    return out


def _range_label(lower: float | None, upper: float | None) -> str:
    low = _whole(lower or 0.0)
    if upper is None:
        return f"{low}+ years"
    if float(upper).is_integer():
        return f"{low}-{_whole(upper - 1)} years"
    return f"{low} to under {_whole(upper)} years"


def _whole(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@functools.lru_cache(maxsize=65536)
def _skill_forms(name: str) -> tuple[str, frozenset[str]]:
    """A skill name as the taxonomy normalizes it and its analyzed tokens (skill names repeat
    across members: cached)."""
    return normalize(name), frozenset(analyze("skills", name))


@functools.lru_cache(maxsize=16384)
def _tokens(field: str, text: str) -> tuple[str, ...]:
    return tuple(analyze(field, text))


class SearchService:
    """Owns the taxonomy, the serving index, the broker and the L1 model; thread-safe."""

    def __init__(self, taxonomy: Taxonomy, serving: ServingIndex, scorer: L1Scorer | None = None,
                 broker_settings: BrokerSettings | None = None, database: Any = None):
        self.taxonomy = taxonomy
        self.serving = serving
        self.broker = Broker(serving, taxonomy, scorer, broker_settings)
        self.database = database
        self._company_names: dict[int, str] | None = None
        self._lock = threading.Lock()
        self._metros = {m.id: f"{m.name}, {m.region}" if m.region else m.name for m in taxonomy.metros}

    @classmethod
    def from_settings(cls, settings: Any, *, database: Any = None, load_model: bool = True) -> SearchService:
        """Open the serving index, the taxonomy and the current L1 model (text match when none)."""
        serving = ServingIndex.from_settings(settings)
        scorer = load_current_model(settings.models_dir) if load_model else None
        if scorer is None:
            log.info("search.no_l1_model", models_dir=str(settings.models_dir))
        if database is None:
            try:
                from talent.storage.db import Database

                database = Database.from_settings(settings)
            except Exception as exc:  # noqa: BLE001 - company labels are optional
                log.warning("search.no_database", error=str(exc))
        return cls(search_taxonomy(settings, database), serving, scorer, BrokerSettings.from_settings(settings),
                   database)

    @property
    def ranker(self) -> str:
        return self.broker.ranker

    # stages ----------------------------------------------------------------------------------------
    def parse(self, request: SearchRequest) -> ParsedQuery:
        return parse_query(request.query, self.taxonomy)

    def retrieve(self, parsed: ParsedQuery, request: SearchRequest) -> CandidateList:
        """Broker: every partition's L1 top k, merged, enough for the requested page."""
        return self.broker.search(parsed, limit=None, facets=request.facets, facet_fields=SEARCH_FACETS)

    def assemble(self, parsed: ParsedQuery, candidates: CandidateList, request: SearchRequest,
                 timings: dict[str, float]) -> SearchResponse:
        """The page: stored fields of the page's members only, highlights, facet labels."""
        t0 = time.perf_counter()
        page = candidates.candidates(request.offset, request.offset + request.page_size)
        plan_words = list(dict.fromkeys(w for leaf in parsed.keywords() for w in analyze("headline", leaf.text)))
        highlight = Q.should(*[Q.term(f, w) for w in plan_words for f in ("headline", "summary")]) if plan_words \
            else None
        docs = {int(d["member_id"]): d for d in self.serving.documents([c.member_id for c in page], highlight)}
        wanted_skills = {normalize(s.label or s.raw) for s in parsed.records("skill")}
        wanted_tokens = set(plan_words)
        results = []
        for rank, cand in enumerate(page, start=request.offset + 1):
            d = docs.get(cand.member_id, {})
            skills = [str(s) for s in d.get("skills", [])]
            matched = [s for s, (key, tokens) in zip(skills, map(_skill_forms, skills))
                       if key in wanted_skills or not wanted_tokens.isdisjoint(tokens)]
            title = str(d.get("title") or "")
            terms = sorted(wanted_tokens.intersection(_tokens("title", title)
                                                      + _tokens("headline", str(d.get("headline") or ""))))
            results.append(ResultCard(
                member_id=cand.member_id, rank=rank, name=str(d.get("name") or ""), title=title,
                company=d.get("company"), location=d.get("location"), headline=str(d.get("headline") or ""),
                open_to_work=bool(d.get("open_to_work", False)), score=round(cand.score, 6), skills=skills,
                matched_skills=matched, matched_terms=terms, highlights=dict(d.get("highlights", {})),
            ))
        facets = self._facets(candidates.facets) if request.facets else {}
        timings["page"] = (time.perf_counter() - t0) * 1e3
        return SearchResponse(
            query=parsed.canonical_text or (parsed.text or ""), query_type=parsed.query_type, total=candidates.total,
            page=request.page, page_size=request.page_size, results=results, facets=facets,
            standardizations=[s.display() for s in parsed.standardizations if s.positive or s.role != "include"],
            partial=candidates.partial, partitions_answered=candidates.partitions_answered,
            partitions_total=candidates.partitions_total, ranker=candidates.ranker, timings=timings,
            index_version=self.serving.version,
        )

    # the whole path ----------------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResponse:
        """Parse, retrieve and rank, and assemble one page. Raises ``QueryError`` for a bad query."""
        t0 = time.perf_counter()
        parsed = self.parse(request)
        t1 = time.perf_counter()
        candidates = self.retrieve(parsed, request)
        t2 = time.perf_counter()
        timings = {"parse": (t1 - t0) * 1e3, "broker": (t2 - t1) * 1e3}
        timings.update({f"broker.{k}": v for k, v in candidates.timings.items()})
        response = self.assemble(parsed, candidates, request, timings)
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return response

    # labels ---------------------------------------------------------------------------------------------
    def _facets(self, counts: dict[str, dict[Any, int]]) -> dict[str, list[FacetValue]]:
        out: dict[str, list[FacetValue]] = {}
        for field, values in counts.items():
            if field in RANGE_FACETS:
                out[field] = range_facet(values)
                continue
            items = list(values.items())[:FACETS_SHOWN]
            out[field] = [FacetValue(v, self._label(field, v), int(n)) for v, n in items]
        return out

    def _label(self, field: str, value: Any) -> str:
        tax = self.taxonomy
        if field == "title_id":
            occ = tax.occupations.get(str(value))
            return occ.title if occ else str(value)
        if field == "skill_ids":
            skill = tax.skills.get(str(value))
            return skill.name if skill else str(value)
        if field == "metro_id":
            return self._metros.get(int(value), str(value))
        if field == "industry_id":
            return tax.industries.get(int(value), str(value))
        if field == "seniority":
            level = int(value)
            return SENIORITY_LEVELS[level] if 0 <= level < len(SENIORITY_LEVELS) else str(value)
        if field == "company_id":
            return self.company_names().get(int(value), str(value))
        if field == "open_to_work":
            return "open to work" if value else "not looking"
        return str(value)

    def company_names(self) -> dict[int, str]:
        """Company id -> name, read from the database once (empty without a database)."""
        with self._lock:
            if self._company_names is None:
                names: dict[int, str] = {}
                if self.database is not None:
                    try:
                        from sqlalchemy import select

                        from talent.storage.models import Company

                        with self.database.session() as s:
                            names = {int(i): n for i, n in s.execute(select(Company.id, Company.name))}
                    except Exception as exc:  # noqa: BLE001 - labels fall back to ids
                        log.warning("search.company_names_unavailable", error=str(exc))
                self._company_names = names
            return self._company_names

    def close(self) -> None:
        self.broker.close()
        self.serving.close()
