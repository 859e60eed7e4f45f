"""Bearer-token authentication of every API request, except the routes declared public."""

from __future__ import annotations

import hmac

from flask import current_app, g, request

from talent.errors import NotFound, TalentError
from webapp.api.routing import route_of
from webapp.auth import recruiter_for_token
from webapp.database import db_session


class Unauthorized(TalentError):
    """No valid API token."""

    http_status = 401


def authenticate() -> None:
    """Set ``g.recruiter`` from the ``Authorization: Bearer <token>`` header (a blueprint's
    ``before_request``); routes declared ``public`` and unknown paths (404) need no token."""
    if request.endpoint is None:
        return
    route = route_of(current_app.view_functions[request.endpoint])
    if route is not None and route.public:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if route is not None and route.admin:
        _require_admin(token.strip() if scheme.lower() == "bearer" else "")
        return
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send your API token as 'Authorization: Bearer <token>'")
    recruiter = recruiter_for_token(db_session(), token.strip())
    if recruiter is None:
        raise Unauthorized("the API token is not valid: ask for a new one")
    g.recruiter = recruiter


def _require_admin(token: str) -> None:
    """The operator's token (``TALENT_ADMIN_TOKEN``); without one configured the operator routes
    do not exist (404)."""
    expected = current_app.extensions["talent.settings"].admin_token
    if not expected:
        raise NotFound("there is nothing at this address")
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("send the operator token as 'Authorization: Bearer <token>'")
    g.recruiter = None
