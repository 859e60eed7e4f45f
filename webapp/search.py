"""The web app's side of search: one :class:`federator.service.SearchService` per app, logged
searches."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.orm import Session

from federator.types import ResultCard, SearchRequest, SearchResponse
from talent.errors import InvalidInput, NotFound
from talent.storage.access import RecruiterScope
from talent.storage.models import Impression

_SERVICE_LOCK = threading.Lock()


@dataclass(frozen=True)
class SearchOutcome:
    """A search response and the id of its row in the search log."""

    response: SearchResponse
    search_id: int
    reachable: int


def search_service() -> Any:
    """The app's search service (``SEARCH_SERVICE`` config, else built from settings on first use).

    One built here follows the index by itself: a background thread picks up new commits (live
    updates) and a new ``CURRENT`` version (build, rollback) every ``index_refresh_interval``
    seconds, until the service is closed.
    """
    service = (current_app.config.get("SEARCH_SERVICE")
               or current_app.extensions.get("talent.search"))
    if service is not None:
        return service
    with _SERVICE_LOCK:  # threaded servers: one service (and one refresher) per app
        service = current_app.extensions.get("talent.search")
        if service is None:
            from federator.service import SearchService

            settings = current_app.extensions["talent.settings"]
            service = SearchService.from_settings(settings,
                                                  database=current_app.extensions["talent.db"],
                                                  cache=current_app.extensions.get("talent.cache"))
            service.serving.start_auto_refresh(settings.index_refresh_interval)
            current_app.extensions["talent.search"] = service
    return service


def result_cap() -> int:
    return int(current_app.config["RESULT_CAP"])


def run_search(scope: RecruiterScope, query: str | dict[str, Any], *, page: int = 1,
               page_size: int = 25, facets: bool = True, session_id: str | None = None,
               project_id: int | None = None, stages: Mapping[str, bool] | None = None
               ) -> SearchOutcome:
    """Run ``query`` as the scope's recruiter and log it with the page's impressions.

    Pages past the result cap are refused. The search row and one row per shown candidate
    (member, 0-based position in the whole ranking, score) go into ``searches`` and
    ``impressions``, the logs the training pipeline learns from. ``stages`` switches ranking
    stages for this search (see :mod:`federator.pipeline`).
    """
    cap = result_cap()
    if (page - 1) * page_size >= cap:
        raise InvalidInput(f"results are capped at {cap:,}: page {page} of {page_size} starts past "
                           "them; narrow the query instead")
    if project_id is not None:
        scope.get_project(project_id)
    request = SearchRequest(recruiter_id=scope.recruiter.id, contract_id=scope.contract_id,
                            query=query, page=page, page_size=page_size, facets=facets,
                            session_id=session_id, stages=dict(stages or {}))
    response = search_service().search(request)
    row = scope.log_search(
        session_id=session_id or "",
        query_text=query if isinstance(query, str) else str(query.get("text") or ""),
        query_json=None if isinstance(query, str) else query,
        query_type=response.query_type,
        ranker=response.ranker,
        result_count=response.total,
        project_id=project_id,
    )
    log_impressions(scope.session, row.id, response.results)
    scope.audit("search", "search", row.id, {"results": response.total,
                                             "shown": len(response.results)})
    return SearchOutcome(response, row.id, min(response.total, cap))


def log_impressions(session: Session, search_id: int, results: list[ResultCard]) -> int:
    """One bulk insert of the result cards a page showed (``rank`` 1-based -> ``position``
    0-based)."""
    rows = [{"search_id": search_id, "member_id": int(card.member_id),
             "position": int(card.rank) - 1, "logged_score": float(card.score)} for card in results]
    if rows:
        session.execute(insert(Impression), rows)
    return len(rows)


def own_search_id(scope: RecruiterScope, search_id: int | None) -> int | None:
    """``search_id`` when it is one of the contract's logged searches, else ``None`` (for
    attributing views, saves and InMails from a results page; a stale or foreign id is dropped,
    not an error)."""
    if search_id is None:
        return None
    try:
        return scope.get_search(search_id).id
    except NotFound:
        return None
