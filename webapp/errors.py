"""Errors as structured JSON under /api (4xx for anything a client did) and as pages in the UI."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from talent.errors import QueryError, TalentError
from talent.logging import get_logger

log = get_logger(__name__)


class RequestInvalid(Exception):
    """A request body or query string failed validation (answered 422 with the details)."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors reduced to location, message and type (no echo of the input)."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    return [{"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", ""),
             "type": err.get("type", "")} for err in errors]


def error_body(code: str, message: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "status": status, "message": message, **extra}}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _json(code: str, message: str, status: int, **extra: Any) -> tuple[Response, int]:
    return jsonify(error_body(code, message, status, **extra)), status


def _code(exc: TalentError) -> str:
    name = type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _ui_message(exc: HTTPException) -> str:
    if exc.code == 429:
        return "Too many requests in a short time: wait a minute, then try again."
    if exc.code == 404:
        return "There is nothing at this address."
    return str(exc.description or exc.name)


def init_app(app: Flask) -> None:
    @app.errorhandler(RequestInvalid)
    def _invalid(exc: RequestInvalid) -> Any:
        if _is_api():
            return _json("invalid_request", exc.message, 422, details=exc.details)
        return render_template("error.html", status=422, message=exc.message), 422

    @app.errorhandler(TalentError)
    def _talent(exc: TalentError) -> Any:
        status = exc.http_status
        extra: dict[str, Any] = {}
        if isinstance(exc, QueryError):
            extra = {"position": exc.position, "expected": exc.expected}
        if status >= 500:
            log.warning("request.unavailable", path=request.path, error=str(exc))
        if _is_api():
            return _json(_code(exc), str(exc), status, **extra)
        return render_template("error.html", status=status, message=str(exc)), status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        if _is_api():
            code = (exc.name or "error").lower().replace(" ", "_")
            message = exc.description or exc.name
            response, status = _json(code, message, status)
            for key, value in (exc.get_headers() or []):
                if key.lower() not in ("content-type", "content-length"):
                    response.headers[key] = value
            return response, status
        if status < 400:
            return exc
        page = render_template("error.html", status=status, message=_ui_message(exc))
        headers = [(k, v) for k, v in (exc.get_headers() or [])
                   if k.lower() not in ("content-type", "content-length")]
        return page, status, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("request.failed", path=request.path)
        if _is_api():
            return _json("internal_error", "the server failed to handle this request", 500)
        return render_template("error.html", status=500,
                               message="Something went wrong on our side."), 500
