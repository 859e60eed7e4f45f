"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from talent.settings import Settings, load_settings
from webapp.extensions import DEFAULT_RATE_LIMITS

__all__ = ["DEFAULT_RATE_LIMITS", "create_app"]


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
        RATELIMIT_SWALLOW_ERRORS=True,  # a limiter failure (Redis down) lets requests through
        RATE_LIMITS=dict(DEFAULT_RATE_LIMITS),
        RESULT_CAP=1000,
        PAGE_SIZE=25,
    )
    if config:
        app.config.update(config)
    app.extensions["talent.settings"] = settings
    database.init_app(app, settings)
    _record_dynamic_features(app, settings)
    errors.init_app(app)
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
