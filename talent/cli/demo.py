"""`talent demo`: the whole product on the demo world, from an empty data home to a served UI."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy import func, select

from talent.cli import AppContext, pass_app


def _run(app: AppContext, *args: str) -> None:
    """Run another talent subcommand in this process with the same settings."""
    from talent.cli import cli

    base = ["--home", str(app.settings.home), "--database-url", app.settings.resolved_database_url]
    cli.main(args=[*base, *args], prog_name="talent", standalone_mode=False)


def _optional(action: Callable[[], None], otherwise: str) -> None:
    """Run a step the demo can serve without; its failure is said, not fatal."""
    from talent.errors import TalentError

    try:
        action()
    except TalentError as exc:
        click.echo(f"[demo] skipped: {exc} ({otherwise})")


def _step(title: str, done: bool, action: Callable[[], None]) -> None:
    if done:
        click.echo(f"[demo] {title}: already done (use --fresh to redo)")
        return
    click.echo(f"[demo] {title} ...")
    start = time.perf_counter()
    action()
    click.echo(f"[demo] {title}: {time.perf_counter() - start:.1f} s")


@click.command(name="demo")
@click.option("--world", default="demo", show_default=True,
              help="World name or config file to generate.")
@click.option("--fresh", is_flag=True,
              help="Regenerate the world, logs, index and model even if present.")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Serve the web UI at the end, with `talent index update --follow` beside it.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_app
def command(app: AppContext, world: str, fresh: bool, serve: bool, host: str, port: int) -> None:
    """Set up the demo end to end: database, world, logs, index, title embeddings, L1 model, then
    serve the UI.

    Each step is skipped when its output already exists, so a second run starts serving at once.
    The server and the live index updater then run as `talent serve --with-updater` in a fresh
    interpreter that replaces this one (never forked from the process that trained and built:
    its threads and locks would hang the web workers). Ctrl-C stops both.
    """
    from index.versions import VersionStore
    from talent.storage.models import Search, WorldInfo

    db = app.database()
    db.upgrade()
    click.echo(f"[demo] database ready: {db.display_url}")
    with db.session() as s:
        has_world = s.scalar(select(func.count()).select_from(WorldInfo)) > 0
        has_logs = s.scalar(select(func.count()).select_from(Search)) > 0
    # the steps below open the database themselves, and the world writer switches SQLite's journal
    # mode, which needs every other connection closed (WAL keeps an idle pooled one attached)
    db.dispose()
    _step(f"generate world '{world}'", has_world and not fresh,
          lambda: _run(app, "world", "generate", world))
    _step("simulate recruiter sessions", has_logs and not fresh and has_world,
          lambda: _run(app, "world", "simulate"))
    has_index = VersionStore(app.settings.index_dir).current() is not None
    _step("build the index", has_index and not fresh, lambda: _run(app, "index", "build"))
    has_embeddings = (app.settings.models_dir / "line" / "CURRENT").exists()
    _step("train the title embeddings (LINE)", has_embeddings and not fresh,
          lambda: _run(app, "train", "line", "--no-link-prediction"))
    has_model = (app.settings.models_dir / "l1" / "CURRENT").exists()
    # L1 records the embeddings its features were computed with: new embeddings, new L1
    _step("train the L1 ranker", has_model and has_embeddings and not fresh,
          lambda: _run(app, "train", "l1"))
    # L2 records the L1 model it re-ranks: a new L1, a new L2 (served only if it beats L1's order)
    _step("train the L2 re-ranker (GLMix)", l2_matches_l1(app.settings.models_dir) and not fresh,
          lambda: _optional(lambda: _run(app, "train", "l2"), "searches keep the L1 order"))
    try:
        from webapp.accounts import ensure_demo_accounts
    except ImportError:
        click.echo("[demo] web UI not available in this version")
        return
    ensure_demo_accounts(db, echo=lambda line: click.echo(f"[demo] {line}"))
    if serve:
        click.echo(f"[demo] serving at http://{host}:{port} with the live index updater  (Ctrl-C "
                   "to stop)")
        exec_serve(app, "--host", host, "--port", str(port), "--with-updater")


def l2_matches_l1(models_dir: Path) -> bool:
    """Whether an L2 model (current or not) was trained on the current L1 model."""
    import json

    pointer = models_dir / "l1" / "CURRENT"
    if not pointer.exists():
        return False
    l1_version = pointer.read_text(encoding="utf-8").strip()
    for meta in (models_dir / "l2").glob("*/meta.json"):
        try:
            if json.loads(meta.read_text(encoding="utf-8")).get("l1_version") == l1_version:
                return True
        except (OSError, ValueError):
            continue
    return False


def exec_serve(app: AppContext, *serve_args: str) -> None:
    """Replace this process by `talent serve SERVE_ARGS` in a fresh interpreter, same settings."""
    from talent.cli.supervisor import settings_env, talent_command

    argv = talent_command("serve", *serve_args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, settings_env(app.settings))
