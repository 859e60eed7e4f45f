"""CSRF protection for forms and per-recruiter rate limits on search, profile views and exports."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect  # type: ignore[import-untyped]
from limits.storage import MemoryStorage

from talent.settings import Settings

csrf = CSRFProtect()

RATE_LIMITED: dict[str, tuple[str, tuple[str, ...] | None]] = {}
"""Endpoint name -> (limit kind, HTTP methods or None for all); filled by the blueprints."""


def rate_limited(kind: str, endpoint: str, methods: tuple[str, ...] | None = None) -> None:
    """Mark ``endpoint`` as limited by the configured ``RATE_LIMITS[kind]`` (only ``methods`` if given)."""
    RATE_LIMITED[endpoint] = (kind, methods)


class ThreadSafeMemoryStorage(MemoryStorage):
    """``limits``' in-process storage with its expiry timer started under a lock.

    limits 5.8 can start the same timer from two threads at once ("threads can only be started
    once", a 500 under gthread workers); fixed upstream in alisaifee/limits#352, drop this class
    once that release is required.
    """

    STORAGE_SCHEME = ["talent-memory"]  # noqa: RUF012 - the limits registry reads this list

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._timer_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private hook
        with self._timer_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)  # type: ignore[attr-defined]
                self.timer.start()


def limiter_storage_uri(settings: Settings) -> str:
    """The cache's Redis when ``cache_url`` is redis://, else in-process memory (per worker)."""
    if settings.cache_url.startswith(("redis://", "rediss://")):
        return settings.cache_url
    return "talent-memory://"


def shared_limits(settings: Settings) -> bool:
    """Whether every worker counts against the same limits (Redis)."""
    return not limiter_storage_uri(settings).startswith("talent-memory")


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
