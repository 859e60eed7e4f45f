"""The web app's side of review mode: one :class:`federator.review_service.ReviewService` per app,
sessions started for a job or a query, verdicts also written to the feedback log."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from federator.review_service import CandidateView, ReviewConfig, ReviewService, SessionView
from federator.sessions import SessionStore, usable_session_id
from federator.types import SearchRequest
from talent.errors import InvalidInput
from talent.storage.access import RecruiterScope
from webapp.api.models import ReviewCandidateOut, ReviewGroupOut, ReviewSessionOut
from webapp.jobs import job_query
from webapp.search import search_service

_LOCK = threading.Lock()


def review_service() -> ReviewService:
    """The app's review service, over the same session store as the search service's stage
    ``bandit`` (so a search carrying a review session's id is re-ordered by it)."""
    service = current_app.extensions.get("talent.review")
    if service is not None:
        return service
    with _LOCK:
        service = current_app.extensions.get("talent.review")
        if service is None:
            settings = current_app.extensions["talent.settings"]
            search = search_service()
            stage = search.stage("bandit") if hasattr(search, "stage") else None
            sessions = getattr(stage, "sessions", None)
            if sessions is None:
                from talent.cache import open_cache

                sessions = SessionStore(open_cache(settings.cache_url),
                                        ttl=settings.review_session_ttl)
            service = ReviewService(search, sessions, ReviewConfig.from_settings(settings))
            current_app.extensions["talent.review"] = service
    return service


def start_review(scope: RecruiterScope, *, query: str | dict[str, Any] | None = None,
                 project_id: int | None = None, policy: str | None = None,
                 online_weight: float | None = None) -> SessionView:
    """A review session for job ``project_id`` (its query) or for ``query``."""
    if project_id is not None:
        project = scope.get_project(project_id)
        query = job_query(scope.session, project)
    if query is None or (isinstance(query, str) and not query.strip()):
        raise InvalidInput("a review session needs a query or a job (project_id)")
    request = SearchRequest(recruiter_id=scope.recruiter.id, contract_id=scope.contract_id,
                            query=query, facets=False)
    view = review_service().start(request, project_id=project_id, order=policy,
                                  online_weight=online_weight)
    scope.audit("review.start", "project" if project_id else "query", project_id or "",
                {"session": view.session_id, "pool": view.pool_size, "groups": len(view.groups)})
    return view


def review_feedback(scope: RecruiterScope, session_id: str, member_id: int,
                    verdict: str) -> tuple[SessionView, CandidateView | None]:
    """One step: the verdict on a presented candidate (good fits and misses also go to the
    feedback log with the session id), and the next candidate."""
    view, candidate = review_service().feedback(session_id, scope.recruiter.id, member_id, verdict)
    if verdict in ("good_fit", "not_fit"):
        scope.record_feedback(member_id, verdict, session_id=session_id)
    return view, candidate


def note_search_feedback(scope: RecruiterScope, session_id: str | None, member_id: int,
                         kind: str) -> None:
    """A good fit / not a fit given on a results page or profile: the session's online skill
    weights learn it (stage ``bandit`` re-orders the session's next searches). A client's session
    id that cannot name a stored session (other than letters, digits, '-' and '_') is only
    logged with the feedback, as before."""
    if usable_session_id(session_id) and kind in ("good_fit", "not_fit"):
        review_service().note_feedback(session_id, scope.recruiter.id, scope.contract_id,
                                       member_id, kind)


def group_out(group: Any) -> ReviewGroupOut:
    return ReviewGroupOut(group=group.group, name=group.name, skills=group.skills, size=group.size,
                          good_fits=group.good_fits, misses=group.misses, left=group.left,
                          rate=round(group.rate, 4))


def session_out(view: SessionView) -> ReviewSessionOut:
    return ReviewSessionOut(session_id=view.session_id, policy=view.order,
                            online_weight=view.online_weight, step=view.step,
                            pool_size=view.pool_size, counts=view.counts, precision=view.precision,
                            groups=[group_out(g) for g in view.groups], pending=view.pending,
                            project_id=view.project_id, silhouette=view.silhouette, done=view.done)


def candidate_out(c: CandidateView | None) -> ReviewCandidateOut | None:
    if c is None:
        return None
    return ReviewCandidateOut(member_id=c.member_id, step=c.step, name=c.name, title=c.title,
                              headline=c.headline, company=c.company, location=c.location,
                              skills=c.skills, group=group_out(c.group),
                              group_skills_held=c.group_skills_held, why=c.why, order=c.order,
                              score=round(c.score, 4), offline=round(c.offline, 4),
                              online=round(c.online, 4),
                              arm_value=(None if c.arm_value is None
                                         or c.arm_value == float("inf")
                                         else round(c.arm_value, 4)),
                              verdict=c.verdict)
