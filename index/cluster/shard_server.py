"""One shard of one index version, served where its data is: what a partition actor runs.

A :class:`ShardServer` opens shard ``i`` of version ``v`` (its Tantivy index and forward store)
and nothing else, and answers the broker's two calls — term statistics, and
:func:`index.l1.scoring.score_partition` (retrieval, features, L1, top k, facets) — plus the
live updates routed to it (it is its shard's single writer once one arrives). It reloads its
shard every ``reload_interval`` seconds as a serving process does, and at once after an update
it applied. Plain Python: the Ray actor (:mod:`index.cluster.actors`) wraps it, tests use it
directly.

Plans travel as :class:`PlanMessage`: the plan's fields without the broker-side partitions and
caches, plus this shard's own statistics.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.forward import ForwardBatch, ForwardTable
from index.l1.model import L1Scorer
from index.l1.scoring import PartitionResult, prepare_scoring, score_partition
from index.schema import schema_hash
from index.serving.executors import PartitionWork
from index.serving.partition import Partition
from index.serving.plan import QueryPlan
from index.serving.snapshot import IndexSnapshot
from index.versions import VersionStore
from index.vocab import EXTRA_FILE, Vocabulary
from talent.errors import IndexUnavailable
from talent.logging import get_logger

if TYPE_CHECKING:
    from index.build.live import ShardWriter

log = get_logger(__name__)

#: QueryPlan fields that stay on the broker (partitions, per-partition compilers, caches).
_LOCAL_PLAN_FIELDS = {"shard_stats", "_compilers", "_idfs", "memo"}


@dataclass(frozen=True)
class PlanMessage:
    """A :class:`QueryPlan` as it travels to one partition: its picklable fields and that
    partition's document count and term frequencies (``None``: read them there)."""

    plan_fields: dict[str, Any]
    shard_docs: int | None
    shard_freqs: dict[tuple[str, str], int] | None


def plan_message(plan: QueryPlan, shard: int) -> PlanMessage:
    """What partition ``shard`` needs of ``plan``."""
    values = {f.name: getattr(plan, f.name) for f in fields(plan)
              if f.name not in _LOCAL_PLAN_FIELDS}
    stats = plan.shard_stats.get(shard)
    return PlanMessage(values, stats[1] if stats else None, stats[2] if stats else None)


def plan_for(message: PlanMessage, partition: Partition) -> QueryPlan:
    """The plan of ``message`` bound to this process's ``partition``."""
    plan = QueryPlan(**message.plan_fields)
    if message.shard_docs is not None and message.shard_freqs is not None:
        plan.shard_stats[partition.shard] = (partition, message.shard_docs,
                                             dict(message.shard_freqs))
    return plan


@dataclass(frozen=True)
class ShardInfo:
    """What a shard server reports when it is ready (and on request)."""

    shard: int
    version: str
    num_docs: int
    reference_day: int
    pid: int
    started_at: float  # wall clock, seconds
    open_seconds: float


class ShardServer:
    """Shard ``shard`` of index version ``version`` under ``index_dir``, and its single writer."""

    def __init__(self, index_dir: str, version: str, shard: int, *,
                 reload_interval: float = 0.25):
        started = time.time()
        t0 = time.perf_counter()
        self.store = VersionStore(Path(index_dir))
        self.version = version
        self.shard = shard
        self.path = self.store.path(version)
        manifest = self.store.read_manifest(version)
        if manifest.schema_hash != schema_hash():
            raise IndexUnavailable(f"index version {version} was built with schema "
                                   f"{manifest.schema_hash}, this code expects {schema_hash()}: "
                                   "run `talent index build`")
        if not 0 <= shard < manifest.shard_count:
            raise IndexUnavailable(f"index version {version} has {manifest.shard_count} shards, "
                                   f"not a shard {shard}")
        self.partition = Partition(shard, VersionStore.shard_dir(self.path, shard),
                                   expected_members=manifest.shard_members[shard])
        self._snapshot = IndexSnapshot(version, manifest, Vocabulary.load(self.path),
                                       (self.partition,))
        self._vocab_stamp = self._extra_stamp()
        prepare_scoring(self.partition.forward)
        self._lock = threading.Lock()
        self._writer: ShardWriter | None = None
        self._facet_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="talent-facets")
        self._stop = threading.Event()
        self._info = ShardInfo(shard, version, self.partition.num_docs,
                               int(np.max(self.partition.forward.base.columns["last_active_day"],
                                          initial=-1)),
                               os.getpid(), started, time.perf_counter() - t0)
        if reload_interval > 0:
            threading.Thread(target=self._reload_loop, args=(reload_interval,), daemon=True,
                             name=f"talent-shard-{shard}-reload").start()

    # state ----------------------------------------------------------------------------------
    def _extra_stamp(self) -> int:
        try:
            return (self.path / EXTRA_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def reload(self) -> None:
        """Pick up new commits and forward deltas, then a changed vocabulary (the order a
        serving process reloads in: features never older than the documents)."""
        with self._lock:
            self.partition.reload()
            stamp = self._extra_stamp()
            if stamp != self._vocab_stamp:
                snap = self._snapshot
                self._snapshot = IndexSnapshot(snap.version, snap.manifest,
                                               Vocabulary.load(self.path), snap.partitions)
                self._vocab_stamp = stamp

    def _reload_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.reload()
            except Exception as exc:  # noqa: BLE001 - keep serving the last good state
                log.warning("index.cluster.reload_failed", shard=self.shard, error=str(exc))

    def info(self) -> ShardInfo:
        return ShardInfo(self.shard, self.version, self.partition.num_docs,
                         self._info.reference_day, self._info.pid, self._info.started_at,
                         self._info.open_seconds)

    # the broker's calls -------------------------------------------------------------------
    def term_statistics(self, terms: Mapping[str, Sequence[str]]
                        ) -> tuple[int, dict[tuple[str, str], int]]:
        return self.partition.term_statistics(terms)

    def score(self, message: PlanMessage, scorer: L1Scorer | None,
              work: PartitionWork) -> PartitionResult:
        """This partition's top k of the plan (see :func:`index.l1.scoring.score_partition`)."""
        plan = plan_for(message, self.partition)
        return score_partition(self._snapshot, self.partition, plan, scorer, depth=work.depth,
                               top_k=work.top_k, facet_fields=work.facet_fields,
                               facet_size=work.facet_size, facet_pool=self._facet_pool,
                               facet_counts=work.facet_counts)

    def features(self, member_ids: Sequence[int] | np.ndarray) -> ForwardBatch:
        return self.partition.features(member_ids)

    # live updates ---------------------------------------------------------------------------
    def apply_update(self, table: ForwardTable, docs: dict[int, str | None], seq: int) -> int:
        """Apply one batch of this shard's changes (forward delta, then delete + add in one
        commit), as its single writer, and serve it at once. Returns the shard's document
        count."""
        with self._lock:
            if self._writer is None:
                # imported here: the writing side (SQLAlchemy and all) loads only in an actor
                # that receives updates, not in every search actor's start-up
                from index.build.live import ShardWriter

                self._writer = ShardWriter(self.shard, self.partition.path)
            self._writer.apply_table(table, docs, seq)
        self.reload()
        return self.partition.num_docs

    def close_writer(self) -> None:
        """Let go of the shard's writer lock (the next update opens it again)."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def close(self) -> None:
        self._stop.set()
        self.close_writer()
        self._facet_pool.shutdown(wait=False, cancel_futures=True)
