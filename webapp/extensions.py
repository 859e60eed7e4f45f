"""CSRF protection for forms and per-recruiter rate limits on search, profile views and exports."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect  # type: ignore[import-untyped]

from talent.settings import Settings

csrf = CSRFProtect()

RATE_LIMITED: dict[str, str] = {}
"""Endpoint name -> limit kind ("search", "profile", "export"); filled by the blueprints."""


def rate_limited(kind: str, endpoint: str) -> None:
    """Mark ``endpoint`` as limited by the configured ``RATE_LIMITS[kind]``."""
    RATE_LIMITED[endpoint] = kind


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
    for endpoint, kind in RATE_LIMITED.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        app.view_functions[endpoint] = limiter.limit(_configured(kind), scope=kind)(view)  # type: ignore[assignment]


def _configured(kind: str) -> Callable[[], str]:
    """The limit string of ``kind``, read from the app config at request time."""
    return lambda: str(current_app.config["RATE_LIMITS"][kind])
