"""The committed OpenAPI spec, ``webapp/openapi.json``.

Regenerate it with ``talent serve --write-openapi``; ``tests/webapp/test_openapi.py`` fails when
the committed copy and the app's served spec (:func:`webapp.api.spec.spec_json`) differ.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from webapp.api.spec import build_spec, spec_json
from webapp.api.views import bp

COMMITTED_SPEC = Path(__file__).resolve().parent.parent / "openapi.json"

__all__ = ["COMMITTED_SPEC", "api_only_app", "build_spec", "spec_json", "write_spec"]


def api_only_app() -> Flask:
    """A bare app serving just the API blueprint: its routes, without settings or a database."""
    app = Flask(__name__)
    app.register_blueprint(bp)
    return app


def write_spec(path: Path = COMMITTED_SPEC) -> Path:
    """Write the spec to ``path`` (default: the committed ``webapp/openapi.json``)."""
    path.write_text(spec_json(api_only_app()), encoding="utf-8")
    return path
