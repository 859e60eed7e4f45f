"""The API's route table: each route names its body, query and response models.

:func:`api_route` registers a view on the blueprint and keeps its :class:`ApiRoute` on the view
function; :func:`api_routes` reads them back from an app. One declaration drives Flask (validation
in, serialization out), the rate limits (:mod:`webapp.extensions`) and the OpenAPI spec
(:mod:`webapp.api.openapi`), so they cannot drift apart.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, request
from pydantic import BaseModel, ValidationError

from talent.errors import NotFound, TalentError
from webapp.api.models import MAX_ID
from webapp.database import db_session
from webapp.errors import RequestInvalid, validation_details
from webapp.extensions import rate_limited

API_PREFIX = "/api/v1"
"""Where the API blueprint is mounted."""

ROUTE_ATTRIBUTE = "api_route"
"""The view-function attribute holding its :class:`ApiRoute`."""


@dataclass(frozen=True)
class ApiRoute:
    """One endpoint: method, path (Flask syntax), models, success status and rate-limit kind."""

    method: str
    path: str
    endpoint: str
    summary: str
    response: type[BaseModel] | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    limit: str | None = None
    tags: tuple[str, ...] = ()
    media_type: str = "application/json"
    public: bool = False
    description: str = ""
    path_params: tuple[str, ...] = field(default=())
    admin: bool = False  # an operator route: the admin token, not a recruiter's
    errors: tuple[int, ...] = ()  # error statuses of its own, beside those every route has

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.path)


def route_of(view: Callable[..., Any]) -> ApiRoute | None:
    """The API route ``view`` serves, if it is one."""
    route = getattr(view, ROUTE_ATTRIBUTE, None)
    return route if isinstance(route, ApiRoute) else None


def api_routes(app: Flask) -> list[ApiRoute]:
    """Every API route ``app`` serves, in the order of its URL map."""
    routes = [route_of(app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()]
    return [route for route in routes if route is not None]


def _parse(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestInvalid(f"invalid {where}: see details", validation_details(exc)) from None


class UnsupportedMediaType(TalentError):
    """A request body that is not JSON."""

    http_status = 415


def _parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body validated strictly (no ``"2"`` for 2, no ``0`` for false) in one pass of
    pydantic's JSON parser, which refuses nesting deeper than its recursion limit cheaply (no
    Python recursion, no traceback)."""
    raw = request.get_data(cache=True)
    if not raw:
        raise RequestInvalid("the request needs a JSON body")
    if not _is_json(request.mimetype or ""):
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        details = validation_details(exc)
        if any(d["type"] == "json_invalid" for d in details):
            raise RequestInvalid("the request body is not valid JSON (or nests deeper than "
                                 "this API reads)", details) from None
        raise RequestInvalid("invalid request body: see details", details) from None


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/")
                                              and mimetype.endswith("+json"))


def api_route(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    response: type[BaseModel] | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    limit: str | None = None,
    tags: tuple[str, ...] = (),
    media_type: str = "application/json",
    public: bool = False,
    admin: bool = False,
    errors: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on ``bp``, with its :class:`ApiRoute` (read back by :func:`api_routes`).

    The view receives path parameters, then ``body=`` and ``query=`` (validated models) when
    declared, and returns a ``response`` model (serialized as JSON with ``status``) or a Flask
    response. Writes (including logged searches and views) are committed when the view returns
    normally. ``errors`` documents statuses the view raises besides those of every route (e.g. 410
    for an expired review session).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = view.__name__
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", path))

        @functools.wraps(view)
        def handler(**kwargs: Any) -> Any:
            for name, value in kwargs.items():
                if isinstance(value, int) and not 1 <= value <= MAX_ID:
                    raise NotFound(f"{name.removesuffix('_id')} {value} not found")
            if body is not None:
                kwargs["body"] = _parse_body(body)
            if query is not None:
                kwargs["query"] = _parse(query, request.args.to_dict(), "query string")
            result = view(**kwargs)
            db_session().commit()  # views that read may still log (searches, profile views)
            if isinstance(result, BaseModel):
                return Response(result.model_dump_json(), status=status,
                                mimetype="application/json")
            if result is None:
                return Response(status=204)
            return result

        doc = inspect.cleandoc(view.__doc__ or "")
        route = ApiRoute(method, path, endpoint, summary, response, body, query, status, limit,
                         tags, media_type, public, doc, params, admin, errors)
        setattr(handler, ROUTE_ATTRIBUTE, route)
        if limit:
            rate_limited(limit)(handler)
        bp.add_url_rule(path, endpoint=endpoint, view_func=handler, methods=[method])
        return handler

    return decorate


__all__ = ["API_PREFIX", "ApiRoute", "api_route", "api_routes", "route_of"]
