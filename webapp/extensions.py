"""CSRF protection for forms and per-recruiter rate limits on search, profile views and exports."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect  # type: ignore[import-untyped]

from talent.settings import Settings

csrf = CSRFProtect()

RATE_LIMITED: dict[str, tuple[str, tuple[str, ...] | None]] = {}
"""Endpoint name -> (limit kind, HTTP methods or None for all); filled by the blueprints."""


def rate_limited(kind: str, endpoint: str, methods: tuple[str, ...] | None = None) -> None:
    """Mark ``endpoint`` as limited by the configured ``RATE_LIMITS[kind]`` (only ``methods`` if given)."""
    RATE_LIMITED[endpoint] = (kind, methods)


def limiter_storage_uri(settings: Settings) -> str:
    """The cache's Redis when ``cache_url`` is redis://, else in-process memory."""
    return settings.cache_url if settings.cache_url.startswith(("redis://", "rediss://")) else "memory://"


def rate_key() -> str:
    """Limit per signed-in recruiter, else per client address."""
    recruiter = g.get("recruiter")
    if recruiter is not None:
        return f"recruiter:{recruiter.id}"
    return request.remote_addr or "anonymous"


def init_app(app: Flask) -> None:
    """CSRF on every form; one limiter per app wrapping the rate-limited views (call after blueprints)."""
    csrf.init_app(app)
    limiter = Limiter(key_func=rate_key, app=app, default_limits=[])
    app.extensions["talent.limiter"] = limiter
    for endpoint, (kind, methods) in RATE_LIMITED.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        limit = limiter.limit(_configured(kind), scope=kind, methods=list(methods) if methods else None)
        app.view_functions[endpoint] = limit(view)  # type: ignore[assignment]


def _configured(kind: str) -> Callable[[], str]:
    """The limit string of ``kind``, read from the app config at request time (default if unset)."""
    from webapp.app import DEFAULT_RATE_LIMITS

    return lambda: str(current_app.config["RATE_LIMITS"].get(kind) or DEFAULT_RATE_LIMITS[kind])
