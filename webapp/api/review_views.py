"""API endpoints of review mode: start a session, the next candidate, a verdict (one step).

:func:`register` adds them to the API blueprint; :mod:`webapp.api.views` calls it with its
blueprint (this module imports nothing of the views module: no import cycle). A session lives in
the cache (any worker serves any step); a session that is gone answers 410 ``session_expired``:
start a new one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from webapp.access import scope
from webapp.api.models import (
    ReviewFeedbackIn,
    ReviewSessionOut,
    ReviewStartIn,
    ReviewStepOut,
)
from webapp.api.routing import api_route
from webapp.review import (
    candidate_out,
    review_feedback,
    review_service,
    session_out,
    start_review,
)


def register(bp: Blueprint) -> None:
    """Add review mode's endpoints to the API blueprint ``bp``."""

    @api_route(bp, "POST", "/review/sessions",
               summary="Start a review session (one candidate at a time)", body=ReviewStartIn,
               response=ReviewStepOut, status=201, limit="search", tags=("review",),
               errors=(404,))
    def review_start(body: ReviewStartIn) -> ReviewStepOut:
        """For a job (``project_id``) or a query: the ranking stages' top candidates, clustered
        into skill groups; a bandit picks the group of each next candidate from your verdicts.
        Returns the session and its first candidate."""
        query: str | dict[str, Any] | None = (
            body.query if body.query is None or isinstance(body.query, str)
            else body.query.model_dump(mode="json", exclude_defaults=True))
        s = scope()
        view = start_review(s, query=query, project_id=body.project_id, policy=body.policy,
                            online_weight=body.online_weight)
        view, candidate = review_service().next(view.session_id, s.recruiter.id)
        return ReviewStepOut(session=session_out(view), candidate=candidate_out(candidate))

    @api_route(bp, "GET", "/review/sessions/<session_id>", summary="A review session's progress",
               response=ReviewSessionOut, tags=("review",), errors=(410, 422))
    def review_session(session_id: str) -> ReviewSessionOut:
        return session_out(review_service().session(session_id, scope().recruiter.id))

    @api_route(bp, "POST", "/review/sessions/<session_id>/next", summary="Draw the next candidate",
               response=ReviewStepOut, limit="profile", tags=("review",), errors=(409, 410))
    def review_next(session_id: str) -> ReviewStepOut:
        """Presents a new candidate each call (two tabs each get their own); ``candidate`` is null
        when the pool is used up."""
        view, candidate = review_service().next(session_id, scope().recruiter.id)
        return ReviewStepOut(session=session_out(view), candidate=candidate_out(candidate))

    @api_route(bp, "POST", "/review/sessions/<session_id>/feedback",
               summary="Good fit, not a fit or skip; returns the next candidate",
               body=ReviewFeedbackIn, response=ReviewStepOut, limit="profile", tags=("review",),
               errors=(409, 410))
    def review_verdict(session_id: str, body: ReviewFeedbackIn) -> ReviewStepOut:
        """The verdict on a presented candidate (409 if it has one already) and the next candidate,
        chosen with it: one step. Good fits and misses also go to the feedback log."""
        view, candidate = review_feedback(scope(), session_id, body.member_id, body.verdict)
        return ReviewStepOut(session=session_out(view), candidate=candidate_out(candidate))
