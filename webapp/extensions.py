"""CSRF protection for forms and per-recruiter rate limits on search, profile views and exports.

A view declares the kind of limit it takes with :func:`rate_limited` (an attribute on the view
function); :func:`init_app` reads those declarations from the app's view functions once, after
the blueprints are registered, and wraps each declared view with Flask-Limiter. The limit of each
kind comes from the app's ``RATE_LIMITS`` config at request time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect  # type: ignore[import-untyped]
from limits.storage import MemoryStorage

from talent.settings import Settings

csrf = CSRFProtect()

DEFAULT_RATE_LIMITS: dict[str, str] = {
    "search": "60 per minute",
    "profile": "300 per minute",
    "export": "10 per minute",
    "login": "10 per minute",
}
"""Per-recruiter limits by kind (``RATE_LIMITS`` config; ``talent serve --rate-limit``
overrides)."""

RATE_LIMIT_ATTRIBUTE = "rate_limit"
"""The view-function attribute holding its :class:`RateLimit`."""

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class RateLimit:
    """The limit kind a view takes (a key of ``RATE_LIMITS``), on ``methods`` only when given."""

    kind: str
    methods: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in DEFAULT_RATE_LIMITS:
            raise ValueError(f"unknown rate-limit kind {self.kind!r}: "
                             f"one of {sorted(DEFAULT_RATE_LIMITS)}")


def rate_limited(kind: str, methods: tuple[str, ...] | None = None) -> Callable[[View], View]:
    """Declare that a view is limited by ``RATE_LIMITS[kind]`` (only ``methods`` if given).

    Put it under the route decorator, so the declaration is on the function Flask registers.
    """
    limit = RateLimit(kind, methods)

    def declare(view: View) -> View:
        setattr(view, RATE_LIMIT_ATTRIBUTE, limit)
        return view

    return declare


def rate_limit_of(view: Callable[..., Any]) -> RateLimit | None:
    """The limit ``view`` declares, if any."""
    limit = getattr(view, RATE_LIMIT_ATTRIBUTE, None)
    return limit if isinstance(limit, RateLimit) else None


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
                expire = self._MemoryStorage__expire_events  # type: ignore[attr-defined]
                self.timer = threading.Timer(0.01, expire)
                self.timer.start()


RATE_LIMITS_FILE = "ratelimits.sqlite"
"""Under the data home: the counters every worker of this machine shares when there is no Redis."""


def limiter_storage_uri(settings: Settings) -> str:
    """The cache's Redis when ``cache_url`` is redis://, else a SQLite file under the home that
    every worker of the machine shares (:mod:`webapp.limits_storage`)."""
    if settings.cache_url.startswith(("redis://", "rediss://")):
        return settings.cache_url
    import webapp.limits_storage  # noqa: F401 - registers the talent-sqlite:// scheme

    return f"talent-sqlite://{(settings.home / RATE_LIMITS_FILE).resolve()}"


def limiter_storage_options(settings: Settings) -> dict[str, Any]:
    """Redis: fail fast when it is down (then the limits fall back to each worker's memory)."""
    if settings.cache_url.startswith(("redis://", "rediss://")):
        return {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    return {}


def shared_limits(settings: Settings) -> bool:
    """Whether every worker counts against the same limits (always, Redis or the shared file);
    only while Redis is down does each worker count alone."""
    return True


def rate_key() -> str:
    """Limit per signed-in recruiter, else per client address."""
    recruiter = g.get("recruiter")
    if recruiter is not None:
        return f"recruiter:{recruiter.id}"
    return request.remote_addr or "anonymous"


def init_app(app: Flask) -> None:
    """CSRF on every form; one limiter per app wrapping every view that declares a rate limit.

    Call it after the blueprints are registered: it reads the declarations from
    ``app.view_functions``.
    """
    csrf.init_app(app)
    limiter = Limiter(key_func=rate_key, app=app, default_limits=[])
    if getattr(limiter, "_fallback_storage", None) is not None:  # the thread-safe one (above)
        from limits.strategies import STRATEGIES

        limiter._fallback_storage = ThreadSafeMemoryStorage("talent-memory://")
        strategy = app.config.get("RATELIMIT_STRATEGY", "fixed-window")
        limiter._fallback_limiter = STRATEGIES[strategy](limiter._fallback_storage)
    app.extensions["talent.limiter"] = limiter
    for endpoint, view in list(app.view_functions.items()):
        declared = rate_limit_of(view)
        if declared is None:
            continue
        methods = list(declared.methods) if declared.methods else None
        limit = limiter.limit(_configured(declared.kind), scope=declared.kind, methods=methods)
        app.view_functions[endpoint] = limit(view)  # type: ignore[assignment]


def _configured(kind: str) -> Callable[[], str]:
    """The limit string of ``kind``, read from the app config at request time (default if unset)."""
    return lambda: str(current_app.config["RATE_LIMITS"].get(kind) or DEFAULT_RATE_LIMITS[kind])
