"""The server-rendered recruiter UI: sign-in, search, profiles, projects, InMails, jobs."""

from __future__ import annotations

from flask import Blueprint, g, redirect, request, session, url_for

from talent.storage.models import Recruiter
from webapp.database import db_session

blueprint = Blueprint("ui", __name__)

OPEN_ENDPOINTS = {"ui.login", "static"}


@blueprint.before_app_request
def _load_recruiter() -> None:
    if request.path.startswith("/api/"):
        return
    recruiter_id = session.get("recruiter_id")
    g.recruiter = db_session().get(Recruiter, recruiter_id) if recruiter_id else None


@blueprint.before_request
def _require_sign_in():  # type: ignore[no-untyped-def]
    if g.get("recruiter") is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("ui.login", next=request.full_path if request.method == "GET" else None))
    return None


from webapp.ui import views  # noqa: F401  (registers the views)
