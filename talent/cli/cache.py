"""`talent cache`: the cache behind L2's dynamic features."""

from __future__ import annotations

import time

import click

from talent.cli import AppContext, pass_app


@click.group(name="cache")
def command() -> None:
    """The cache (in-process or Redis) holding L2's dynamic features (keys dyn:*)."""


@command.command(name="warm")
@pass_app
def warm(app: AppContext) -> None:
    """Rebuild every dynamic-feature counter from the database (views, saves, InMails, answers).

    A cold or lost cache loses nothing: this (and a serving process finding its cache cold)
    rebuilds it. With the in-process cache (memory://) the counters live in each serving process,
    which warms itself at start; this command is for Redis.
    """
    from talent.cache.base import open_cache
    from talent.dynamic.history import EventHistory, logs_stamp
    from talent.dynamic.store import DynamicStore

    settings = app.settings
    db = app.database()
    db.require_schema()
    t0 = time.perf_counter()
    history = EventHistory.from_database(db.engine)
    store = DynamicStore(open_cache(settings.cache_url))
    keys = store.warm(history, logs_stamp(db.engine))
    click.echo(f"warmed {keys:,} dynamic-feature keys from {len(history.recruiter):,} events in "
               f"{time.perf_counter() - t0:.1f} s ({settings.cache_url})")
    if settings.cache_url.startswith("memory://"):
        click.echo("note: memory:// is per process; serving processes warm their own at start")
