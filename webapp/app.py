"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g

from talent.errors import NotFound
from talent.settings import Settings, load_settings
from webapp.api.models import MAX_ID
from webapp.extensions import DEFAULT_RATE_LIMITS

__all__ = ["DEFAULT_RATE_LIMITS", "create_app"]


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""Sent with every response: no framing (clickjacking), scripts and styles from this origin only,
no MIME sniffing, no full URLs (with their query strings) in Referer headers to other sites."""


def _final_headers(response: Response) -> Response:
    """The security headers; and an outage's own Retry-After (Flask-Limiter, whose hook runs
    before this one, replaces it with the seconds until its rate window resets)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    retry_after = g.get("retry_after")
    if retry_after is not None and response.status_code == 503:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _bounded_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An ``<int:...>`` id past 2^53 is a 404 before any view runs: a number past what the
    database stores (2^63 overflows SQLite) never reaches a query. (A converter with a maximum
    would answer 405 for such paths: werkzeug then matches them against other rules.)"""
    for name, value in (values or {}).items():
        if isinstance(value, int) and value > MAX_ID:
            raise NotFound(f"{name.removesuffix('_id')} {value} not found")


def create_app(settings: Settings | None = None, config: Mapping[str, Any] | None = None) -> Flask:
    """Build the recruiter web app.

    Parameters
    ----------
    settings:
        Engine settings (database, cache, index, secret key); :func:`~talent.settings.load_settings`
        when omitted.
    config:
        Flask config overrides (``TESTING``, ``SESSION_COOKIE_SECURE``, ``RATELIMIT_ENABLED``,
        ``RATE_LIMITS``, ``WTF_CSRF_ENABLED``, ``SEARCH_SERVICE`` to inject a search service).
    """
    from webapp import database, errors, extensions, secrets
    from webapp.api.views import bp as api_blueprint
    from webapp.ui.views import bp as ui_blueprint

    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.secret_key(settings),
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        MAX_CONTENT_LENGTH=256 * 1024,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=extensions.limiter_storage_uri(settings),
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_STORAGE_OPTIONS=extensions.limiter_storage_options(settings),
        # Redis down: each worker counts in its own memory (one warning), until Redis is back
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,  # any other limiter failure lets requests through
        RATE_LIMITS=dict(DEFAULT_RATE_LIMITS),
        RESULT_CAP=1000,
        PAGE_SIZE=25,
    )
    if config:
        app.config.update(config)
    app.extensions["talent.settings"] = settings
    app.url_value_preprocessor(_bounded_ids)
    database.init_app(app, settings)
    _record_dynamic_features(app, settings)
    errors.init_app(app)
    app.after_request(_final_headers)  # registered before the limiter's: runs after it
    app.register_blueprint(ui_blueprint)
    app.register_blueprint(api_blueprint)
    extensions.init_app(app)  # after the blueprints: reads the rate limits their views declare
    extensions.csrf.exempt(api_blueprint)
    return app


def _record_dynamic_features(app: Flask, settings: Settings) -> None:
    """One cache per app, shared by the search service (L2 reads its dynamic features there) and
    the hooks that update them as views, saves, InMails and answers commit."""
    from talent.cache.base import open_cache
    from talent.dynamic.hooks import record_events_to
    from talent.dynamic.store import DynamicStore

    cache = open_cache(settings.cache_url)
    app.extensions["talent.cache"] = cache
    record_events_to(app.extensions["talent.db"].engine, DynamicStore(cache))
