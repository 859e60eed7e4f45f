"""The JSON API under ``/api/v1``: bearer-token auth, pydantic-validated bodies, JSON errors."""

from __future__ import annotations

from flask import Blueprint, g, request

from talent.errors import TalentError
from webapp.auth import recruiter_for_token
from webapp.database import db_session

blueprint = Blueprint("api", __name__)

PUBLIC_ENDPOINTS = {"api.openapi_spec"}


class Unauthorized(TalentError):
    """No valid API token."""

    http_status = 401


@blueprint.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send your API token as 'Authorization: Bearer <token>'")
    recruiter = recruiter_for_token(db_session(), token.strip())
    if recruiter is None:
        raise Unauthorized("the API token is not valid: ask for a new one")
    g.recruiter = recruiter


from webapp.api import views  # noqa: F401  (registers the routes)
