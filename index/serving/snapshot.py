"""One consistent view of an index version: its manifest, vocabulary and partitions.

A request takes one :class:`IndexSnapshot` and reads everything through it. What is derived
from a version and costly to recompute (the recency reference day, the occupation families of
the vocabulary's codes) is cached on the snapshot it describes, never process-wide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from index.schema import schema_hash
from index.serving.partition import Partition
from index.sharding import shards_of
from index.versions import Manifest, VersionStore
from index.vocab import Vocabulary, occupation_family
from talent.errors import IndexUnavailable


@dataclass(frozen=True)
class IndexSnapshot:
    """One consistent view of the serving index."""

    version: str
    manifest: Manifest
    vocab: Vocabulary
    partitions: tuple[Partition, ...]

    def partition_of(self, member_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The shard number owning each member id."""
        return shards_of(np.asarray(member_ids, dtype=np.int64), len(self.partitions))

    @cached_property
    def reference_day(self) -> int:
        """The newest ``last_active_day`` in the version (recency is measured from it, the same at
        training and serving time)."""
        days = [int(np.max(p.forward.base.columns["last_active_day"], initial=-1))
                for p in self.partitions]
        return max(days, default=0)

    @cached_property
    def occupation_families(self) -> np.ndarray:
        """SOC major group (int, -1 unknown) of every occupation code of the vocabulary."""
        families = [occupation_family(t) for t in self.vocab.terms("occupation")]
        return np.asarray(families or [-1], dtype=np.int32)


def open_version(store: VersionStore, version: str) -> IndexSnapshot:
    """Open every partition of ``version``; any missing or corrupt part raises
    ``IndexUnavailable`` naming it."""
    manifest = store.read_manifest(version)
    expected = schema_hash()
    if manifest.schema_hash != expected:
        raise IndexUnavailable(f"index version {version} was built with schema "
                               f"{manifest.schema_hash}, this code expects {expected}: run `talent "
                               "index build`")
    path = store.path(version)
    partitions = []
    for i in range(manifest.shard_count):
        shard_dir = VersionStore.shard_dir(path, i)
        if not shard_dir.is_dir():
            raise IndexUnavailable(f"shard {i} of index version {version} ({shard_dir}) is "
                                   "missing: run `talent index build` or `talent index rollback`")
        partitions.append(Partition(i, shard_dir, expected_members=manifest.shard_members[i]))
    return IndexSnapshot(version, manifest, Vocabulary.load(path), tuple(partitions))
