"""`talent serve`: run the recruiter web UI and JSON API (gunicorn; Flask's server only with --debug)."""

from __future__ import annotations

from typing import Any

import click

from talent.cli import AppContext, pass_app


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Gunicorn worker processes.")
@click.option("--debug", is_flag=True, help="Flask's development server with reloader and debugger (never in production).")
@click.option("--write-openapi", "write_openapi", is_flag=True,
              help="Write the API's OpenAPI spec to webapp/openapi.json and exit.")
@pass_app
def command(app: AppContext, host: str, port: int, workers: int, debug: bool, write_openapi: bool) -> None:
    """Run the recruiter web UI and JSON API (API under /api/v1, spec at /api/v1/openapi.json).

    Sessions use secure cookies, so serve behind HTTPS (or use --debug on localhost).
    """
    if write_openapi:
        from webapp.api.openapi import write_spec

        click.echo(f"wrote {write_spec()}")
        return
    from webapp import create_app

    flask_app = create_app(app.settings, {"SESSION_COOKIE_SECURE": False} if debug else None)
    if debug:
        flask_app.run(host=host, port=port, debug=True)
        return
    _run_gunicorn(flask_app, {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-",
                              "timeout": 60})


def _run_gunicorn(flask_app: Any, options: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return flask_app

    _Server().run()
