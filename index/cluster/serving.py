"""The serving index of the Ray backend: the CURRENT version's partitions as actors.

:class:`ClusterServing` is what a broker holds with ``TALENT_BACKEND=ray``. Its
:meth:`~ClusterServing.snapshot` is a :class:`ClusterSnapshot`: the version, manifest and
vocabulary (read from the version directory, as a serving process does) and one
:class:`RemotePartition` per shard naming the shard's actor. The ranking path runs on the actors
(:class:`~index.cluster.executor.RayExecutor`); the page's stored documents and forward rows
(:meth:`documents`, :meth:`features`) are read from the version's files by this process.

A new ``CURRENT`` is swapped in without dropping a search: :meth:`refresh` opens the new
version's actors and waits until every one has opened its shard, then swaps the snapshot;
searches that took the old snapshot finish on the old actors, which are retired
``retire_after`` seconds later.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ray.actor import ActorHandle

from index.cluster.actors import PartitionActor, open_partitions, retire
from index.cluster.connect import connect_from_settings
from index.cluster.executor import RayExecutor
from index.serving.serving_index import ServingIndex
from index.serving.snapshot import IndexSnapshot, open_version
from index.vocab import Vocabulary
from talent.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, eq=False)
class RemotePartition:
    """A partition as the broker sees it on the Ray backend: its shard and its actor."""

    shard: int
    actor: ActorHandle
    num_docs: int
    pid: int


@dataclass(frozen=True)
class ClusterSnapshot(IndexSnapshot):
    """An :class:`IndexSnapshot` whose partitions are :class:`RemotePartition` handles; the
    recency reference day comes from the actors (it is computed where the forward store is)."""

    day: int = 0

    @property
    def reference_day(self) -> int:  # type: ignore[override]
        return self.day


class ClusterServing(ServingIndex):
    """The serving version's partitions as Ray actors, refreshed and swapped in place."""

    def __init__(self, index_dir: Path, *, reload_interval: float = 0.25,
                 retire_after: float = 10.0, ready_timeout: float = 120.0,
                 actor_class: type = PartitionActor):
        super().__init__(index_dir)  # the local view: version, vocabulary, page reads
        self.index_dir = Path(index_dir)
        self.reload_interval = reload_interval
        self.retire_after = retire_after
        self.ready_timeout = ready_timeout
        self.actor_class = actor_class
        self._retiring: list[threading.Timer] = []
        self._cluster = self._open(self._snapshot)

    @classmethod
    def from_settings(cls, settings: Any) -> ClusterServing:
        connect_from_settings(settings)
        return cls(settings.index_dir, reload_interval=settings.index_refresh_interval,
                   retire_after=max(5.0, 3 * settings.partition_deadline_ms / 1000.0))

    def _open(self, local: IndexSnapshot) -> ClusterSnapshot:
        actors = open_partitions(self.index_dir, local.version, local.manifest.shard_count,
                                 actor_class=self.actor_class,
                                 reload_interval=self.reload_interval,
                                 timeout=self.ready_timeout)
        remote = tuple(RemotePartition(info.shard, handle, info.num_docs, info.pid)
                       for handle, info in actors)
        day = max((info.reference_day for _, info in actors), default=0)
        log.info("index.cluster.opened", version=local.version, actors=len(remote))
        return ClusterSnapshot(local.version, local.manifest, local.vocab, remote, day)

    # views ------------------------------------------------------------------------------
    def snapshot(self) -> ClusterSnapshot:
        return self._cluster

    @property
    def partitions(self) -> tuple[RemotePartition, ...]:  # type: ignore[override]
        return self._cluster.partitions  # type: ignore[return-value]

    def local_snapshot(self) -> IndexSnapshot:
        """The same version opened in this process (page reads, tools)."""
        return self._snapshot

    # freshness ----------------------------------------------------------------------------
    def refresh(self) -> bool:
        """A new ``CURRENT``: open its actors, wait for them, swap (the old ones retire after
        ``retire_after`` s). Else pick up new commits in the local view and a changed
        vocabulary (the actors reload themselves). Returns True when the version changed."""
        with self._lock:
            current = self.store.current()
            old = self._cluster
            if current is not None and current != old.version:
                local = open_version(self.store, current)
                cluster = self._open(local)
                self._snapshot, self._cluster = local, cluster
                self._vocab_stamp = self._extra_stamp(current)
                self._retire_later(old)
                log.info("index.serving.switched", old=old.version, new=current)
                return True
            local = self._snapshot
            for p in local.partitions:
                p.reload()
            stamp = self._extra_stamp(local.version)
            if stamp != self._vocab_stamp:
                vocab = Vocabulary.load(self.store.path(local.version))
                self._snapshot = IndexSnapshot(local.version, local.manifest, vocab,
                                               local.partitions)
                self._cluster = ClusterSnapshot(old.version, old.manifest, vocab, old.partitions,
                                                old.day)
                self._vocab_stamp = stamp
            return False

    def _retire_later(self, old: ClusterSnapshot) -> None:
        handles = [p.actor for p in old.partitions]  # type: ignore[attr-defined]
        timer = threading.Timer(self.retire_after, retire, args=(handles,))
        timer.daemon = True
        timer.start()
        self._retiring = [t for t in self._retiring if t.is_alive()] + [timer]

    def close(self, *, retire_actors: bool = False) -> None:
        """Stop refreshing; with ``retire_actors`` also stop the actors of this version and of
        versions waiting to retire (actors are shared by every broker of the cluster, so a
        broker leaving does not stop them by default)."""
        super().close()
        for timer in self._retiring:
            timer.cancel()
        if retire_actors:
            retire([p.actor for p in self.partitions])
            for timer in self._retiring:
                retire(*timer.args)  # type: ignore[arg-type]
        self._retiring = []


def open_cluster(settings: Any) -> tuple[ClusterServing, RayExecutor]:
    """The Ray backend from settings: join (or start) the cluster, open the serving version's
    actors, and the executor the broker reaches them through."""
    serving = ClusterServing.from_settings(settings)
    return serving, RayExecutor(statistics_timeout_s=settings.partition_deadline_ms / 1000.0)
