"""Review mode in the UI: one candidate at a time with good fit / not a fit / skip.

:func:`register` adds them to the UI blueprint; :mod:`webapp.ui.views` calls it with its blueprint
(this module imports nothing of the views module: no import cycle). A session is started from a
job's page or from a search (its query); the review page's URL carries where it came from, so a
session that expired or was lost restarts cleanly with a message instead of an error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from federator.review_service import AlreadyRated
from federator.sessions import SessionExpired
from talent.errors import InvalidInput
from webapp.access import scope
from webapp.database import db_session
from webapp.extensions import rate_limited
from webapp.review import review_feedback, review_service, start_review
from webapp.ui.facets import read_selection
from webapp.ui.forms import ActionForm

VERDICT_LABELS = {"good_fit": "Good fit", "not_fit": "Not a fit", "skip": "Skip"}


def _origin(values: Any) -> dict[str, str]:
    """Where a session came from (``project_id`` or the search's query string), to restart it."""
    origin = {}
    if values.get("project_id"):
        origin["project_id"] = str(values.get("project_id"))
    elif values.get("search"):
        origin["search"] = str(values.get("search"))
    return origin


def _start(origin: dict[str, str]) -> str:
    """Start a session from ``origin``; its id."""
    if "project_id" in origin:
        try:
            project_id = int(origin["project_id"])
        except ValueError:
            raise InvalidInput("pick a job to review") from None
        view = start_review(scope(), project_id=project_id)
    else:
        selection = read_selection(MultiDict(parse_qsl(origin.get("search", ""))))
        if selection.empty:
            raise InvalidInput("search first, then review the results one at a time")
        view = start_review(scope(), query=selection.query())
    db_session().commit()
    return view.session_id


def _restart(origin: dict[str, str]) -> Any:
    if not origin:
        flash("That review session has expired. Start a new one from a job or a search.", "error")
        return redirect(url_for("ui.search"))
    session_id = _start(origin)
    flash("Your review session had expired, so a new one started: the verdicts you gave are kept "
          "in your feedback.", "ok")
    return redirect(url_for("ui.review", session_id=session_id, **origin))


def register(bp: Blueprint) -> None:
    """Add review mode's pages to the UI blueprint ``bp``."""

    @bp.route("/review/start", methods=["POST"])
    @rate_limited("search")
    def review_start() -> Any:
        form = ActionForm()
        if not form.validate_on_submit():
            raise InvalidInput("the form expired: reload the page and try again")
        origin = _origin(request.form)
        session_id = _start(origin)
        return redirect(url_for("ui.review", session_id=session_id, **origin))

    @bp.route("/review/<session_id>")
    @rate_limited("profile")
    def review(session_id: str) -> Any:
        origin = _origin(request.args)
        service = review_service()
        recruiter = scope().recruiter.id
        try:
            candidate = service.current(session_id, recruiter)
            view = service.session(session_id, recruiter)
        except SessionExpired:
            return _restart(origin)
        return render_template("review.html", view=view, candidate=candidate, origin=origin,
                               form=ActionForm(), labels=VERDICT_LABELS,
                               search_args=origin.get("search", ""))

    @bp.route("/review/<session_id>/feedback", methods=["POST"])
    @rate_limited("profile")
    def review_verdict(session_id: str) -> Any:
        form = ActionForm()
        if not form.validate_on_submit():
            raise InvalidInput("the form expired: reload the page and try again")
        origin = _origin(request.form)
        verdict = request.form.get("verdict", "")
        member_id = request.form.get("member_id", type=int)
        if member_id is None:
            raise InvalidInput("which candidate? (member_id is missing)")
        try:
            review_feedback(scope(), session_id, member_id, verdict)
            db_session().commit()
        except SessionExpired:
            return _restart(origin)
        except AlreadyRated as exc:
            flash(f"{exc}: the first verdict stands.", "ok")
        return redirect(url_for("ui.review", session_id=session_id, **origin))
