"""Full rebuild: every shard built in parallel processes, then a manifest, then the swap.

Steps (``talent index build``):

1. create ``versions/<new>/`` marked ``BUILDING``;
2. note the outbox high-water mark (and, on PostgreSQL, the ids below it not visible yet: they
   become the version's first outbox gaps, see :mod:`index.build.live`), then read every member id
   and split the ids by shard (:func:`index.sharding.split_by_shard`);
3. build the shards in worker processes (or as tasks of a Ray cluster, one per shard:
   ``runner``, see :mod:`index.cluster.build`): each is dealt some shards and reads *their* members
   from the database in one pass, in id order, in chunks (``WHERE id IN (...)`` on primary keys
   and indexed foreign keys — no process reads a row another one needs, and no rows travel
   between processes), routes each profile to its shard's Tantivy writer and forward builder
   (local vocabulary codes), commits the writers concurrently and reports progress;
4. merge the workers' vocabularies (sorted, shared by all shards) and rewrite their codes;
5. replay outbox changes logged after the high-water mark (the build saw the database as it
   was when it read each chunk; replay is idempotent, so overlap is harmless);
6. write ``manifest.json``, and only then point ``CURRENT`` at the new version.

Any failure or Ctrl-C before step 6 leaves ``CURRENT`` untouched and marks the version
``FAILED``; a build killed outright (SIGKILL) is marked failed by the next status or build.
Workers exit on their own if their parent dies.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import tantivy

from index.build.documents import (
    ProfileReader,
    all_member_ids,
    outbox_gaps_below,
    outbox_position,
    tantivy_json,
)
from index.build.forward_rows import ForwardTableBuilder, remap_saved_codes
from index.build.live import GAP_LOOKBACK, VersionUpdater
from index.build.tokens import TokenEncoder
from index.guard import engine_call
from index.schema import FORMAT_VERSION, create_tantivy_index, schema_hash
from index.sharding import split_by_shard
from index.versions import Manifest, VersionStore, dir_size
from index.vocab import KINDS, LocalVocabulary, merge_vocabularies
from talent.errors import IndexUnavailable
from talent.logging import get_logger
from talent.storage.db import Database

log = get_logger(__name__)

DEFAULT_CHUNK = 2000
DEFAULT_HEAP = 256_000_000
INLINE_BELOW = 20_000  # members: smaller builds run in-process (spawning costs ~1 s)


@dataclass(frozen=True)
class ShardTask:
    shard: int
    shard_dir: str
    database_url: str
    member_ids: np.ndarray
    chunk_size: int
    heap_bytes: int
    writer_threads: int


@dataclass(frozen=True)
class ShardResult:
    shard: int
    members: int
    seconds: float
    vocab: dict[str, list[str]]


@dataclass(frozen=True)
class BuildReport:
    """What a finished build did (also in the manifest)."""

    version: str
    shards: int
    members: int
    shard_members: list[int]
    replayed_changes: int
    seconds: float
    size_bytes: int
    processes: int
    phases: dict[str, float]  # seconds per step: ids, shards, vocab, replay, finish
    runner: str = "processes"  # what built the shards: "processes", "in-process" or "ray tasks"

    @property
    def docs_per_second(self) -> float:
        return self.members / self.seconds if self.seconds > 0 else 0.0


ProgressFn = Callable[[int, int], None]  # (shard, members done so far in that shard)


class ShardRunner(Protocol):
    """Builds the given shards somewhere else (e.g. one Ray task each) and returns their
    results in the order of ``tasks``; raises ``IndexUnavailable`` when one fails."""

    name: str

    def __call__(self, tasks: list[ShardTask],
                 progress: ProgressFn | None) -> list[ShardResult]: ...


def build_shards(tasks: list[ShardTask], progress: Callable[[int, int], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> list[ShardResult]:
    """Build several shards' Tantivy indexes and forward stores in one pass over their members.

    The members of all ``tasks`` are read together in id order, so every database page a chunk
    touches serves each of these shards at once (built one after another, a worker would read
    most pages once per shard). Each profile goes to its own shard's writer and forward builder
    (local vocabulary codes, one vocabulary per shard). ``progress(shard, done)`` follows.
    """
    if not tasks:
        return []
    start = time.perf_counter()
    first = tasks[0]
    database = Database(first.database_url)
    ids = np.concatenate([np.asarray(t.member_ids, dtype=np.int64) for t in tasks])
    owner = np.concatenate([np.full(len(t.member_ids), i, dtype=np.int32)
                            for i, t in enumerate(tasks)])
    order = np.argsort(ids, kind="stable")
    ids, owner = ids[order], owner[order]
    # one local vocabulary for the worker's shards: each word is analyzed once per worker
    vocab = LocalVocabulary()
    tokens = TokenEncoder(vocab.adder("token"))
    vocabs = [vocab] * len(tasks)
    forwards: list[ForwardTableBuilder] = []
    done = [0] * len(tasks)
    # The loop makes ~100k short-lived containers a chunk and no reference cycles: the cyclic
    # garbage collector would only rescan them (measured ~25% of the Python time per document).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with database.engine.connect() as conn, engine_call("building shards "
                                                            f"{[t.shard for t in tasks]}"):
            # keep B-tree interior pages of a large file cached (default: 2 MB)
            if database.is_sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-65536")
                # the positions ORDER BY sorts in memory
                conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
            reader = ProfileReader(conn)
            reference = reader.reference
            forwards = [ForwardTableBuilder(vocab, reference, tokens) for _ in tasks]
            writers = []
            for t in tasks:
                index = create_tantivy_index(Path(t.shard_dir) / "tantivy")
                writers.append(index.writer(heap_size=t.heap_bytes, num_threads=t.writer_threads))
            adders = [w.add_json for w in writers]
            chunk = max(1, first.chunk_size)
            for lo in range(0, len(ids), chunk):
                if should_stop is not None and should_stop():
                    raise SystemExit(1)
                chunk_ids, chunk_owner = ids[lo:lo + chunk], owner[lo:lo + chunk]
                profiles = reader.read(chunk_ids)
                # profiles come back in id order, possibly fewer (members deleted since the id scan)
                found = np.searchsorted(chunk_ids,
                                        np.fromiter((p.member_id for p in profiles), dtype=np.int64,
                                                               count=len(profiles)))
                groups: list[list] = [[] for _ in tasks]
                for p, k in zip(profiles, chunk_owner[found].tolist()):
                    groups[k].append(p)
                for k, group in enumerate(groups):
                    if not group:
                        continue
                    add = adders[k]
                    for p in group:
                        add(tantivy_json(p, reference))
                    forwards[k].add_many(group)
                    done[k] += len(group)
                    if progress:
                        progress(tasks[k].shard, done[k])
            # Committing serializes each segment in its writer's thread and releases the GIL:
            # commit every writer at once, and write the forward stores meanwhile.
            with ThreadPoolExecutor(len(writers), thread_name_prefix="talent-index-commit") as pool:
                commits = [pool.submit(_commit_and_merge, w) for w in writers]
                for t, fwd in zip(tasks, forwards):
                    fwd.build().save_dir(Path(t.shard_dir) / "forward")
                for c in commits:
                    c.result()
    finally:
        if collecting:
            gc.enable()
        database.dispose()
    seconds = time.perf_counter() - start
    return [ShardResult(t.shard, n, seconds, vocab.terms())
            for t, vocab, n in zip(tasks, vocabs, done)]


def _commit_and_merge(writer: tantivy.IndexWriter) -> None:
    writer.commit()
    writer.wait_merging_threads()


def _worker_main(tasks: list[ShardTask], messages: Any, parent_pid: int) -> None:
    """Process entry: build ``tasks`` together, reporting through ``messages``.

    Ignores Ctrl-C (the parent decides) and stops if the parent dies.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def orphaned() -> bool:
        return os.getppid() != parent_pid

    try:
        results = build_shards(tasks, lambda s, n: messages.put(("progress", s, n)), orphaned)
        for result in results:
            messages.put(("done", result.shard, result))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the build
        messages.put(("error", tasks[0].shard,
                      f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


def _run_processes(tasks: list[ShardTask], processes: int,
                   progress: ProgressFn | None) -> list[ShardResult]:
    ctx = mp.get_context("spawn")
    messages = ctx.Queue()
    # deal the shards round-robin, biggest first, over the worker processes
    ordered = sorted(tasks, key=lambda t: -len(t.member_ids))
    plans = [ordered[i::processes] for i in range(processes)]
    workers = [ctx.Process(target=_worker_main, args=(plan, messages, os.getpid()), daemon=True,
                           name=f"talent-index-build-{i}") for i, plan in enumerate(plans) if plan]
    for w in workers:
        w.start()
    results: dict[int, ShardResult] = {}
    try:
        while len(results) < len(tasks):
            try:
                kind, shard, payload = messages.get(timeout=0.2)
            except queue_mod.Empty:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead:
                    raise IndexUnavailable(f"index build worker {dead[0].name} died (exit code "
                                           f"{dead[0].exitcode})")
                continue
            if kind == "progress" and progress:
                progress(shard, payload)
            elif kind == "done":
                results[shard] = payload
            elif kind == "error":
                log.warning("index.build.worker_failed", shard=shard, traceback=payload)
                raise IndexUnavailable(f"building shard {shard} failed: {payload.splitlines()[0]}")
    finally:
        for w in workers:
            if w.is_alive() and len(results) < len(tasks):
                w.terminate()
        for w in workers:
            w.join(timeout=10)
    return [results[t.shard] for t in tasks]


def build_index(index_dir: Path, database_url: str, *, shards: int, processes: int | None = None,
                chunk_size: int = DEFAULT_CHUNK, heap_bytes: int = DEFAULT_HEAP,
                on_start: Callable[[list[int]], None] | None = None,
                on_progress: ProgressFn | None = None,
                runner: ShardRunner | None = None) -> BuildReport:
    """Build a new index version from the database and make it the serving one.

    ``processes``: worker processes (0 = build in this process, one shard after another);
    default ``min(shards, cpu count)``, or 0 for fewer than 20,000 members. ``runner``
    builds the shards instead of the processes (one Ray task per shard), ``processes`` ignored;
    the vocabulary merge, replay, manifest and swap are the same.
    ``on_start`` receives the member count of each shard; ``on_progress(shard, done)`` follows.
    """
    if shards < 1:
        raise ValueError("shards must be >= 1")
    start = time.perf_counter()
    store = VersionStore(index_dir)
    for stale in store.names():  # mark builds that died without a word
        store.state(stale)
    version, vdir = store.create()
    log.info("index.build.start", version=version, shards=shards)
    try:
        database = Database(database_url)
        database.require_schema()
        with database.engine.connect() as conn:
            high_water = outbox_position(conn)
            # PostgreSQL: lower ids still uncommitted now are replayed when (if) they commit
            gaps = [] if database.is_sqlite else outbox_gaps_below(conn, high_water, GAP_LOOKBACK)
            snapshot = dt.datetime.now(dt.UTC)
            ids = all_member_ids(conn)
        parts = split_by_shard(ids, shards)
        phases = {"ids": time.perf_counter() - start}
        if on_start:
            on_start([len(p) for p in parts])
        if runner is not None:
            processes = 0
        elif processes is None:
            processes = 0 if len(ids) < INLINE_BELOW else min(shards, os.cpu_count() or 1)
        threads = 1 if processes > 0 or runner is not None else max(1, min(2, os.cpu_count() or 1))
        tasks = [ShardTask(i, str(VersionStore.shard_dir(vdir, i)), database_url, parts[i],
                           chunk_size, heap_bytes, threads) for i in range(shards)]
        if runner is not None:
            results = runner(tasks, on_progress)
        elif processes > 0:
            results = _run_processes(tasks, processes, on_progress)
        else:
            results = build_shards(tasks, on_progress)
        phases["shards"] = time.perf_counter() - start - sum(phases.values())
        vocab, remaps = merge_vocabularies([r.vocab for r in results])
        for task, remap in zip(tasks, remaps):
            remap_saved_codes(Path(task.shard_dir) / "forward", remap["occupation"],
                              remap["skill"], remap["token"], vocab.size("token"))
        vocab.save_base(vdir)
        store.set_outbox_gaps(version, dict.fromkeys(gaps, time.time()))
        store.set_applied_position(version, high_water)
        phases["vocab"] = time.perf_counter() - start - sum(phases.values())
        replayed = _replay(store, version, database)
        phases["replay"] = time.perf_counter() - start - sum(phases.values())
        seconds = time.perf_counter() - start
        manifest = Manifest(version=version, format=FORMAT_VERSION, schema_hash=schema_hash(),
                            shard_count=shards, member_count=int(sum(r.members for r in results)),
                            shard_members=[r.members for r in results],
                            snapshot_time=snapshot.isoformat(), outbox_position=high_water,
                            replayed_changes=replayed, build_seconds=round(seconds, 3),
                            created_at=dt.datetime.now(dt.UTC).isoformat(),
                            tantivy_version=getattr(tantivy, "__version__", "unknown"),
                            vocab_sizes={k: vocab.size(k) for k in KINDS})
        store.write_manifest(manifest)
        store.set_current(version)
        database.dispose()
    except BaseException as exc:
        reason = ("interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt)
                  else f"{type(exc).__name__}: {exc}")
        store.mark_failed(version, reason)
        log.warning("index.build.failed", version=version, reason=reason.splitlines()[0])
        raise
    phases["finish"] = time.perf_counter() - start - sum(phases.values())
    report = BuildReport(version, shards, manifest.member_count, manifest.shard_members, replayed,
                         time.perf_counter() - start, dir_size(vdir), processes,
                         {k: round(v, 3) for k, v in phases.items()},
                         runner.name if runner is not None
                         else "processes" if processes else "in-process")
    log.info("index.build.done", version=version, members=report.members, seconds=round(seconds, 2))
    return report


def _replay(store: VersionStore, version: str, database: Database) -> int:
    """Apply changes logged while the build ran (returns outbox rows consumed)."""
    updater = VersionUpdater(store, version, database)
    try:
        return updater.apply_pending()
    finally:
        updater.close()

