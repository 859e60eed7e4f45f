"""The serving side: open the ``CURRENT`` version's partitions and keep them fresh.

:class:`ServingIndex` is what a broker or a web worker holds. Take one
:meth:`ServingIndex.snapshot` per request (version, manifest, vocabulary, partitions that
belong together) and fan out to ``snapshot.partitions``; :meth:`ServingIndex.refresh` (or the
background refresher) picks up new commits and a new ``CURRENT`` without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tantivy

from index.forward import ForwardBatch
from index.serving.partition import Hits, Partition
from index.serving.snapshot import IndexSnapshot, open_version
from index.versions import Manifest, VersionStore
from index.vocab import EXTRA_FILE, Vocabulary
from talent.logging import get_logger

log = get_logger(__name__)


class ServingIndex:
    """The serving version's partitions, refreshed in place."""

    def __init__(self, index_dir: Path):
        self.store = VersionStore(index_dir)
        self._lock = threading.Lock()
        version, _ = self.store.require_current()
        self._snapshot = open_version(self.store, version)
        self._vocab_stamp = self._extra_stamp(version)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> ServingIndex:
        return cls(settings.index_dir)

    # views ----------------------------------------------------------------------------------
    def snapshot(self) -> IndexSnapshot:
        return self._snapshot

    @property
    def version(self) -> str:
        return self._snapshot.version

    @property
    def manifest(self) -> Manifest:
        return self._snapshot.manifest

    @property
    def vocab(self) -> Vocabulary:
        return self._snapshot.vocab

    @property
    def partitions(self) -> tuple[Partition, ...]:
        return self._snapshot.partitions

    # freshness ------------------------------------------------------------------------------
    def _extra_stamp(self, version: str) -> float:
        try:
            return (self.store.path(version) / EXTRA_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def refresh(self) -> bool:
        """Reload: a new ``CURRENT`` version is opened and swapped in, else every partition
        picks up new commits and deltas. Returns True when the version changed."""
        with self._lock:
            current = self.store.current()
            snap = self._snapshot
            if current is not None and current != snap.version:
                new = open_version(self.store, current)
                self._snapshot = new
                self._vocab_stamp = self._extra_stamp(current)
                log.info("index.serving.switched", old=snap.version, new=current)
                return True
            for p in snap.partitions:
                p.reload()
            stamp = self._extra_stamp(snap.version)
            if stamp != self._vocab_stamp:
                self._snapshot = IndexSnapshot(snap.version, snap.manifest, Vocabulary.load(
                    self.store.path(snap.version)), snap.partitions)
                self._vocab_stamp = stamp
            return False

    def start_auto_refresh(self, interval: float = 0.25) -> None:
        """Refresh every ``interval`` seconds in a daemon thread (errors are logged, not raised)."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except Exception as exc:  # noqa: BLE001 - keep serving the last good snapshot
                    log.warning("index.serving.refresh_failed", error=str(exc))

        self._thread = threading.Thread(target=loop, name="talent-index-refresh", daemon=True)
        self._thread.start()

    def stop_auto_refresh(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # conveniences over all partitions (the broker fans out itself, in parallel) ---------------
    def search(self, query: tantivy.Query, limit: int) -> Hits:
        """Top ``limit`` over every partition, merged by score (sequential; for tools and tests)."""
        parts = [p.search(query, limit) for p in self._snapshot.partitions]
        ids = np.concatenate([h.member_ids for h in parts]) if parts else np.zeros(0, np.int64)
        scores = np.concatenate([h.scores for h in parts]) if parts else np.zeros(0, np.float32)
        order = np.lexsort((ids, -scores))[:limit]
        return Hits(ids[order], scores[order], sum(h.count for h in parts))

    def count(self, query: tantivy.Query) -> int:
        return sum(p.count(query) for p in self._snapshot.partitions)

    def features(self, member_ids: Sequence[int] | np.ndarray) -> ForwardBatch:
        """Features of members from any shards, in the order asked for."""
        snap = self._snapshot
        ids = np.asarray(member_ids, dtype=np.int64)
        owner = snap.partition_of(ids)
        batches, order = [], []
        for shard in np.unique(owner):
            rows = np.flatnonzero(owner == shard)
            batches.append(snap.partitions[int(shard)].features(ids[rows]))
            order.append(rows)
        if not batches:
            return snap.partitions[0].features(ids)
        merged = ForwardBatch.concat(batches)
        back = np.empty(len(ids), dtype=np.int64)
        back[np.concatenate(order)] = np.arange(len(ids))
        return _take_batch(merged, back)

    def documents(self, member_ids: Sequence[int],
                  highlight: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Page documents of members from any shards, in the order asked for."""
        snap = self._snapshot
        ids = [int(i) for i in member_ids]
        owner = snap.partition_of(ids)
        found: dict[int, dict[str, Any]] = {}
        for shard in sorted(set(owner.tolist())):
            mine = [m for m, o in zip(ids, owner) if o == shard]
            for doc in snap.partitions[shard].documents(mine, highlight):
                found[int(doc["member_id"])] = doc
        return [found[i] for i in ids if i in found]

    def close(self) -> None:
        self.stop_auto_refresh()


def _take_batch(batch: ForwardBatch, rows: np.ndarray) -> ForwardBatch:
    return ForwardBatch(batch.member_ids[rows], batch.found[rows],
                        {c: a[rows] for c, a in batch.columns.items()},
                        {n: c.take(rows) for n, c in batch.csr.items()})
