"""`talent serve`: run the recruiter web UI and JSON API (gunicorn; Flask's server only with
--debug)."""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from talent.cli import AppContext, pass_app

LIMIT_KINDS = ("search", "profile", "export", "login")
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
"""gunicorn's access-log line without its user field (``%(u)s`` is the user of an
``Authorization: Basic`` header, where a token sent that way would land) and without the referer;
query strings are scrubbed of secrets by :mod:`talent.logging`."""
_LIMIT = re.compile(r"^\s*\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?\s*(;.*)?$",
                    re.IGNORECASE)


def _rate_limit(ctx: click.Context, param: click.Parameter,
                values: tuple[str, ...]) -> dict[str, str]:
    limits: dict[str, str] = {}
    for item in values:
        kind, sep, limit = item.partition("=")
        kind = kind.strip()
        if not sep or kind not in LIMIT_KINDS or not _LIMIT.match(limit):
            raise click.BadParameter(f"{item!r}: use KIND=LIMIT with KIND one of "
                                     f"{', '.join(LIMIT_KINDS)} and a limit like '600 per minute' "
                                     "or '20/second'", ctx, param)
        limits[kind] = limit.strip()
    return limits


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Gunicorn worker processes.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker: 1 gives sync workers (fastest measured on 2 cores; put a "
                   "buffering proxy in front), more gives gthread workers (keep-alive, waits on a "
                   "remote database).")
@click.option("--rate-limit", "rate_limits", multiple=True, callback=_rate_limit,
              metavar="KIND=LIMIT",
              help="Override a rate limit, e.g. 'search=600 per minute' (per recruiter: search, "
                   "profile, export, defaults 60, 300 and 10 per minute; per address: login "
                   "sign-in attempts, default 10 per minute). Repeatable.")
@click.option("--debug", is_flag=True,
              help="Flask's development server with reloader and debugger (never in production).")
@click.option("--with-updater", is_flag=True,
              help="Also run `talent index update --follow` (live profile updates) as a supervised "
                   "child process: restarted if it dies, stopped with the server.")
@click.option("--write-openapi", "write_openapi", is_flag=True,
              help="Write the API's OpenAPI spec to webapp/openapi.json and exit.")
@pass_app
def command(app: AppContext, host: str, port: int, workers: int, threads: int,
            rate_limits: dict[str, str],
            debug: bool, with_updater: bool, write_openapi: bool) -> None:
    """Run the recruiter web UI and JSON API (API under /api/v1, spec at /api/v1/openapi.json).

    Sessions use secure cookies: serve behind HTTPS (browsers also accept them on
    http://127.0.0.1 and http://localhost), or use --debug. Rate limits are kept in Redis when
    TALENT_CACHE_URL is redis://, else in a SQLite file under the home that every worker shares;
    while Redis is down each worker counts alone (one warning in the log).

    Each worker follows the index by itself: it checks for new commits (live updates) and a new
    CURRENT version (a build or a rollback) every TALENT_INDEX_REFRESH_INTERVAL seconds (0.25).
    Live updates reach the index only while `talent index update --follow` runs (--with-updater
    starts it beside the server).
    """
    if write_openapi:
        from webapp.api.openapi import write_spec

        click.echo(f"wrote {write_spec()}")
        return
    if app.settings.backend == "ray" and not app.settings.ray_address and (workers > 1
                                                                          or with_updater):
        raise click.UsageError("with TALENT_BACKEND=ray the web workers and the updater must "
                               "share one Ray cluster: start one (`ray start --head --num-cpus "
                               "2`) and set TALENT_RAY_ADDRESS=auto, or use --workers 1")
    if with_updater:
        server_args = ["serve", "--host", host, "--port", str(port), "--workers", str(workers),
                       "--threads", str(threads),
                       *(f"--rate-limit={k}={v}" for k, v in rate_limits.items())]
        sys.exit(supervise_server_and_updater(app, server_args + (["--debug"] if debug else [])))
    from webapp import create_app
    from webapp.app import DEFAULT_RATE_LIMITS
    from webapp.extensions import shared_limits

    config: dict[str, Any] = {}
    if debug:
        config["SESSION_COOKIE_SECURE"] = False
    if rate_limits:
        config["RATE_LIMITS"] = {**DEFAULT_RATE_LIMITS, **rate_limits}
    flask_app = create_app(app.settings, config or None)
    if debug:
        flask_app.run(host=host, port=port, debug=True)
        return
    if workers > 1 and shared_limits(app.settings):
        where = ("in Redis" if app.settings.cache_url.startswith(("redis://", "rediss://"))
                 else f"in {app.settings.home / 'ratelimits.sqlite'} (this machine's workers)")
        click.echo(f"note: rate limits are counted {where}, shared by the {workers} workers",
                   err=True)
    # no control socket: it is one path per user ($HOME/.gunicorn/gunicorn.ctl) that concurrent
    # servers would fight over, and a background thread in the master that forks the workers
    options: dict[str, Any] = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT,
                               "timeout": 60, "graceful_timeout": 10,
                               "control_socket_disable": True}
    options["worker_class"] = "gthread" if threads > 1 else "sync"
    _run_gunicorn(flask_app, options)


def supervise_server_and_updater(app: AppContext, server_args: list[str]) -> int:
    """Run `talent SERVER_ARGS` and `talent index update --follow` as supervised children, each a
    fresh interpreter with this process's settings; returns the server's exit code."""
    from talent.cli.supervisor import Child, Supervisor, settings_env, talent_command

    children = [Child("server", talent_command(*server_args), main=True),
                Child("index updater", talent_command("index", "update", "--follow"))]
    return Supervisor(children, settings_env(app.settings),
                      lambda line: click.echo(f"[serve] {line}")).run()


def _post_fork(flask_app: Any) -> Any:
    """Drop database connections inherited from the master (each worker opens its own)."""

    def post_fork(server: Any, worker: Any) -> None:
        database = flask_app.extensions.get("talent.db")
        if database is not None:
            database.engine.dispose(close=False)

    return post_fork


def _post_worker_init(flask_app: Any) -> Any:
    """Load the search service (index, taxonomy, L1 model) before the worker takes requests, so no
    recruiter waits seconds for the first search; without an index the search answers 503 later.
    Creating it starts the worker's index refresher (in the worker, never in the master)."""

    def post_worker_init(worker: Any) -> None:
        from webapp.search import search_service

        with flask_app.app_context():
            try:
                search_service()
            except Exception as exc:  # noqa: BLE001 - reported again, as a 503, on each search
                flask_app.logger.warning("search service not ready: %s", exc)

    return post_worker_init


def _worker_exit(flask_app: Any) -> Any:
    """Stop the worker's index refresher and partition threads when it exits."""

    def worker_exit(server: Any, worker: Any) -> None:
        service = flask_app.extensions.pop("talent.search", None)
        if service is not None:
            service.close()

    return worker_exit


def _run_gunicorn(flask_app: Any, options: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    hooks = {"post_fork": _post_fork(flask_app), "post_worker_init": _post_worker_init(flask_app),
             "worker_exit": _worker_exit(flask_app)}

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {**hooks, **options}.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return flask_app

    _Server().run()
