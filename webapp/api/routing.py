"""The API's route table: each route names its body, query and response models.

One table drives both Flask (validation in, serialization out) and the OpenAPI spec
(:mod:`webapp.api.openapi`), so the two cannot drift apart.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError

from talent.errors import NotFound
from talent.storage.access import RecruiterScope
from webapp.api.models import MAX_ID
from webapp.database import db_session
from webapp.errors import RequestInvalid, validation_details
from webapp.extensions import rate_limited


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

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.path)


ROUTES: list[ApiRoute] = []


def scope() -> RecruiterScope:
    """The signed-in recruiter's scope over the request's session."""
    return RecruiterScope(db_session(), g.recruiter)


def _parse(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestInvalid(f"invalid {where}: see details", validation_details(exc)) from None


def _json_body() -> Any:
    if not request.data:
        raise RequestInvalid("the request needs a JSON body")
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise RequestInvalid("the request body is not valid JSON (send Content-Type: application/json)")
    return data


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
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on ``bp`` and in :data:`ROUTES`.

    The view receives path parameters, then ``body=`` and ``query=`` (validated models) when
    declared, and returns a ``response`` model (serialized as JSON with ``status``) or a Flask
    response. Writes (including logged searches and views) are committed when the view returns normally.
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
                kwargs["body"] = _parse(body, _json_body(), "request body")
            if query is not None:
                kwargs["query"] = _parse(query, request.args.to_dict(), "query string")
            result = view(**kwargs)
            db_session().commit()  # views that read may still log (searches, profile views)
            if isinstance(result, BaseModel):
                return Response(result.model_dump_json(), status=status, mimetype="application/json")
            if result is None:
                return Response(status=204)
            return result

        bp.add_url_rule(path, endpoint=endpoint, view_func=handler, methods=[method])
        if limit:
            rate_limited(limit, f"{bp.name}.{endpoint}")
        doc = (view.__doc__ or "").strip()
        ROUTES.append(ApiRoute(method, path, endpoint, summary, response, body, query, status, limit, tags,
                               media_type, public, doc, params))
        return handler

    return decorate


def json_response(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status=status, mimetype="application/json")


__all__ = ["ROUTES", "ApiRoute", "api_route", "json_response", "jsonify", "scope"]
