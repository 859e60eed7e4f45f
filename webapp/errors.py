"""Errors as structured JSON under /api (4xx for anything a client did) and as pages in the UI."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from pydantic import ValidationError
from sqlalchemy.exc import (
    DatabaseError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from talent.errors import (
    DatabaseUnavailable,
    IndexUnavailable,
    ModelUnavailable,
    QueryError,
    TalentError,
)
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


DATABASE_DOWN = "the database is not available right now: try again in a few seconds"
RETRY_AFTER: dict[type[TalentError], int] = {DatabaseUnavailable: 5, IndexUnavailable: 10,
                                             ModelUnavailable: 10}
"""Retry-After seconds sent with a 503, by kind of outage."""
_SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.@+~-]+){2,}/?|sqlite:/+\S*")


def database_down(exc: BaseException) -> bool:
    """Whether a SQLAlchemy error means the database cannot be used right now (unreachable,
    restarting, a corrupt file, no schema), not that a statement was wrong."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return type(exc) is DatabaseError  # SQLite: "file is not a database", "disk image malformed"


def _unavailable(exc: TalentError) -> tuple[str, int]:
    """What a user reads about an outage (without server paths; the log has the detail) and the
    Retry-After seconds."""
    retry_after = next((v for k, v in RETRY_AFTER.items() if isinstance(exc, k)), 10)
    if isinstance(exc, DatabaseUnavailable):
        return DATABASE_DOWN, retry_after
    return _SERVER_PATH.sub("<path>", str(exc)), retry_after


def _bearer_challenge() -> str:
    """RFC 6750: which scheme to use, and ``invalid_token`` when one was sent."""
    sent = request.headers.get("Authorization", "").lower().startswith("bearer ")
    return 'Bearer realm="talent"' + (', error="invalid_token"' if sent else "")


def init_app(app: Flask) -> None:
    @app.errorhandler(RequestInvalid)
    def _invalid(exc: RequestInvalid) -> Any:
        if _is_api():
            return _json("invalid_request", exc.message, 422, details=exc.details)
        return render_template("error.html", status=422, message=exc.message), 422

    @app.errorhandler(TalentError)
    def _talent(exc: TalentError) -> Any:
        status = exc.http_status
        if status >= 500:
            return _service_unavailable(exc)
        extra: dict[str, Any] = {}
        if isinstance(exc, QueryError):
            extra = {"position": exc.position, "expected": exc.expected}
        if _is_api():
            response, status = _json(_code(exc), str(exc), status, **extra)
            if status == 401:
                response.headers["WWW-Authenticate"] = _bearer_challenge()
            return response, status
        return render_template("error.html", status=status, message=str(exc)), status

    def _service_unavailable(exc: TalentError) -> Any:
        """503 with Retry-After and a message without server paths; the detail is logged (one
        line, no traceback: an outage is not a bug, and a traceback per request costs CPU)."""
        message, retry_after = _unavailable(exc)
        g.retry_after = retry_after
        log.warning("request.unavailable", path=request.path, error=str(exc))
        headers = {"Retry-After": str(retry_after)}
        if _is_api():
            response, status = _json(_code(exc), message, 503)
            response.headers.update(headers)
            return response, status
        return render_template("error.html", status=503, message=message), 503, headers

    @app.errorhandler(SQLAlchemyError)
    def _database(exc: SQLAlchemyError) -> Any:
        if not database_down(exc):
            return _unexpected(exc)
        database = current_app.extensions.get("talent.db")
        if database is not None:  # reconnect from scratch next time (a restored file, a new PG)
            database.engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return _service_unavailable(DatabaseUnavailable(reason))

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
    def _unexpected(exc: BaseException) -> Any:
        log.exception("request.failed", path=request.path)
        if _is_api():
            return _json("internal_error", "the server failed to handle this request", 500)
        return render_template("error.html", status=500,
                               message="Something went wrong on our side."), 500
