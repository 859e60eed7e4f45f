"""`talent index`: build, update and manage the sharded search index."""

from __future__ import annotations

import json
import signal
import threading
import time

import click

from talent.cli import pass_app


@click.group(name="index")
def command() -> None:
    """Build, update and manage the sharded search index.

    \b
    Index versions live under <home>/index/versions/; CURRENT names the one being served.
      talent index build            rebuild every shard from the database, then switch to it
      talent index update --follow  apply profile changes as they happen (< 1 s to searchable)
      talent index status           versions, sizes, which one serves, pending changes
      talent index rollback         serve the previous complete version again
      talent index gc --keep 2      delete failed and old versions
    """


@command.command("build")
@click.option("--shards", type=click.IntRange(1, 256), default=None,
              help="Number of shards (default: TALENT_SHARDS, 4).")
@click.option("--processes", type=click.IntRange(0, 64), default=None,
              help="Worker processes (0 = in this process; default: TALENT_BUILD_PROCESSES, else "
                   "in this process below 20,000 members and one per core, up to the shard count, "
                   "above).")
@click.option("--chunk-size", type=click.IntRange(100, 100_000), default=2000, show_default=True,
              help="Members read from the database per query.")
@click.option("--heap-mb", type=click.IntRange(32, 4096), default=256, show_default=True,
              help="Tantivy writer memory per shard, in MB.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@pass_app
def build(app, shards: int | None, processes: int | None, chunk_size: int, heap_mb: int,
          quiet: bool) -> None:
    """Rebuild the index from the database and switch serving to it.

    The current version keeps serving until the new one is complete (manifest written and
    changes logged during the build replayed); a failed or interrupted build is marked
    FAILED and changes nothing. With TALENT_BACKEND=ray each shard is built by a task of the
    Ray cluster (TALENT_RAY_ADDRESS, else a local instance) instead of worker processes.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from index.build.builder import build_index

    settings = app.settings
    settings.ensure_home()
    shards = shards or settings.shards
    processes = processes if processes is not None else settings.build_processes
    console = Console(stderr=True)
    progress = Progress(TextColumn("shard {task.fields[shard]}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=quiet)
    tasks: dict[int, int] = {}

    def on_start(sizes: list[int]) -> None:
        for i, n in enumerate(sizes):
            tasks[i] = progress.add_task("", total=n, shard=i)

    def on_progress(shard: int, done: int) -> None:
        progress.update(tasks[shard], completed=done)

    runner = None
    if settings.backend == "ray":
        from index.cluster.build import ray_shard_runner
        from index.cluster.connect import connect_from_settings

        connect_from_settings(settings)
        runner = ray_shard_runner()
    with progress:
        report = build_index(settings.index_dir, settings.resolved_database_url, shards=shards,
                             processes=processes, chunk_size=chunk_size,
                             heap_bytes=heap_mb * 1_000_000, on_start=on_start,
                             on_progress=on_progress, runner=runner)
    workers = (f"{report.shards} {report.runner}" if runner is not None
               else f"{report.processes} worker processes" if report.processes else "in-process")
    click.echo(f"built index version {report.version}: {report.members:,} members in "
               f"{report.shards} shards, {report.seconds:.1f} s {workers} "
               f"({report.docs_per_second:,.0f} docs/s), {report.size_bytes / 1e6:,.1f} MB; "
               f"replayed {report.replayed_changes} changes; now serving")


@command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def status(app, as_json: bool) -> None:
    """List index versions: state, size, members, build time; which one serves."""
    from index.build.documents import outbox_position
    from index.versions import VersionStore
    from talent.errors import TalentError

    store = VersionStore(app.settings.index_dir)
    infos = store.list()
    pending: int | None = None
    current = store.current()
    if current:
        try:
            database = app.database()
            with database.engine.connect() as conn:
                pending = max(0, outbox_position(conn) - store.applied_position(current))
            database.dispose()
        except TalentError:
            pending = None
        except Exception:  # noqa: BLE001 - status must work without a database
            pending = None
    if as_json:
        click.echo(json.dumps({
            "current": current, "pending_changes": pending,
            "versions": [{"name": i.name, "state": i.state, "current": i.is_current,
                          "size_bytes": i.size_bytes,
                          "applied_position": i.applied_position, "reason": i.reason,
                          "manifest": i.manifest.to_json() if i.manifest else None} for i in infos],
        }, indent=2))
        return
    if not infos:
        click.echo(f"no index versions under {store.root}; run `talent index build`")
        return
    click.echo(f"index: {store.root}")
    for i in infos:
        mark = "*" if i.is_current else " "
        line = f"{mark} {i.name}  {i.state:<8}  {i.size_bytes / 1e6:9,.1f} MB"
        if i.manifest:
            m = i.manifest
            line += (f"  {m.member_count:>10,} members  {m.shard_count} shards  built in "
                     f"{m.build_seconds:.1f} s  applied #{i.applied_position}")
        elif i.reason:
            line += f"  ({i.reason})"
        click.echo(line)
    if current is None:
        click.echo("nothing is serving: run `talent index build`")
    elif pending is not None:
        click.echo(f"serving {current}; {pending} profile changes not applied yet"
                   + ("" if pending == 0 else " (run `talent index update`)"))


@command.command("update")
@click.option("--follow", is_flag=True,
              help="Keep running and apply changes as they arrive (Ctrl-C stops).")
@click.option("--poll-interval", type=click.FloatRange(0.005, 60), default=0.05, show_default=True,
              help="Seconds between checks for new changes with --follow.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Outbox rows applied per commit.")
@pass_app
def update(app, follow: bool, poll_interval: float, batch_size: int) -> None:
    """Apply profile changes (the outbox) to the serving index version.

    Each changed member is re-read from the database and replaced in its shard (delete +
    add in one commit). Serving processes see the change after their next refresh. With
    TALENT_BACKEND=ray each shard's changes go to its partition actor, which applies them as the
    shard's writer and serves them at once.
    """
    from index.build.live import BatchReport, LiveUpdater, open_local_writer

    database = app.database()
    open_writer = open_local_writer
    if app.settings.backend == "ray":
        from index.cluster.connect import connect_from_settings
        from index.cluster.live import actor_writers

        connect_from_settings(app.settings)
        open_writer = actor_writers(app.settings.index_dir,
                                    reload_interval=app.settings.index_refresh_interval)
    updater = LiveUpdater(app.settings.index_dir, database, batch_size=batch_size,
                          open_writer=open_writer)
    totals = {"batches": 0, "upserted": 0, "deleted": 0}

    def on_batch(r: BatchReport) -> None:
        totals["batches"] += 1
        totals["upserted"] += r.upserted
        totals["deleted"] += r.deleted
        if follow:
            click.echo(f"{time.strftime('%H:%M:%S')} {r.version}: changes "
                       f"#{r.first_position}-#{r.last_position}: {r.upserted} upserted, "
                       f"{r.deleted} deleted in {r.seconds * 1000:.0f} ms")

    try:
        if follow:
            click.echo(f"following profile changes (poll every {poll_interval}s); Ctrl-C stops",
                       err=True)
            stop = threading.Event()
            # SIGTERM (a supervisor, systemd) stops after the batch in hand, as Ctrl-C does
            previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
            try:
                updater.follow(poll_interval, stop, on_batch)
            except KeyboardInterrupt:
                stop.set()
            finally:
                signal.signal(signal.SIGTERM, previous)
            click.echo("stopped", err=True)
        else:
            updater.run_once(on_batch)
    finally:
        version = updater.version
        updater.close()
        database.dispose()
    position = updater.store.applied_position(version) if version else 0
    click.echo(f"{version}: {totals['upserted']} members upserted, {totals['deleted']} deleted in "
               f"{totals['batches']} batches; applied up to change #{position}")


@command.command("rollback")
@click.option("--to", "to", metavar="VERSION", default=None,
              help="Version to serve (default: the newest complete version before the current "
                   "one).")
@pass_app
def rollback(app, to: str | None) -> None:
    """Serve an earlier complete version (a running `update --follow` moves with it and
    catches up on the changes made since that version was built)."""
    from index.versions import VersionStore

    store = VersionStore(app.settings.index_dir)
    old = store.current()
    new = store.rollback(to)
    click.echo(f"serving {new} (was {old})")


@command.command("gc")
@click.option("--keep", type=click.IntRange(1, 1000), default=2, show_default=True,
              help="Complete versions to keep (the serving one is always kept).")
@pass_app
def gc(app, keep: int) -> None:
    """Delete failed builds and all but the newest KEEP complete versions."""
    from index.versions import VersionStore

    removed = VersionStore(app.settings.index_dir).gc(keep)
    click.echo(f"removed {len(removed)} versions" + (f": {', '.join(removed)}" if removed else ""))
