"""Eraser ``search-index``: the member out of the serving index and every retained version.

The database eraser's member delete wrote an outbox ``delete``. The serving version applies it
here, at once, when no follower holds its shards; while one runs (``talent serve
--with-updater``) the erasure waits for the follower to apply it. Every other ready version (a
rollback target) applies its pending changes too, so a rollback cannot bring the member back. The
next build reads the database, where the member is gone. Tantivy drops a deleted document's
bytes when its segment is merged; until then no search, count, stored-document read or forward
row returns it.
"""

from __future__ import annotations

import time

from index.build.live import VersionUpdater
from index.serving.partition import Partition
from index.serving.queries import term
from index.versions import VersionStore
from talent.erasure import ErasureContext, FunctionEraser, register_eraser
from talent.errors import IndexUnavailable

FOLLOWER_WAIT = 60.0
"""Seconds to wait for a running follower to apply the delete to the serving version."""


def _store(ctx: ErasureContext) -> VersionStore:
    return VersionStore(ctx.settings.index_dir)


def _ready_versions(store: VersionStore) -> list[str]:
    if not store.root.is_dir():
        return []
    return [v for v in store.names() if store.state(v) == "ready"]


def erase_from_index(ctx: ErasureContext) -> dict[str, int]:
    store = _store(ctx)
    position = int(ctx.facts.get("outbox_position", 0))
    applied, waited = 0, 0
    for version in _ready_versions(store):
        if store.applied_position(version) >= position:
            continue
        try:
            updater = VersionUpdater(store, version, ctx.database)
        except IndexUnavailable as exc:
            if "locked" not in str(exc) or version != store.current():
                raise
            _wait_for_follower(store, version, position)  # the follower applies it
            waited += 1
            continue
        try:
            updater.apply_pending()
        finally:
            updater.close()
        applied += 1
    return {"versions_updated": applied, "versions_by_follower": waited}


def _wait_for_follower(store: VersionStore, version: str, position: int) -> None:
    deadline = time.monotonic() + FOLLOWER_WAIT
    while store.applied_position(version) < position:
        if time.monotonic() > deadline:
            raise IndexUnavailable(f"the index follower did not apply the erasure of version "
                                   f"{version} within {FOLLOWER_WAIT:g} s: is it running?")
        time.sleep(0.1)


def remaining_in_index(ctx: ErasureContext) -> list[str]:
    store = _store(ctx)
    found = []
    for version in _ready_versions(store):
        manifest = store.read_manifest(version)
        for shard in range(manifest.shard_count):
            partition = Partition(shard, VersionStore.shard_dir(store.path(version), shard))
            hits = partition.count(term("member_id", ctx.member_id))
            docs = partition.documents([ctx.member_id])
            rows = int(partition.features([ctx.member_id]).found.sum())
            if hits or docs or rows:
                found.append(f"index {version} shard {shard}: {hits} match(es), {len(docs)} "
                             f"stored document(s), {rows} forward row(s)")
    return found


register_eraser(FunctionEraser("search-index", erase_from_index, remaining_in_index))
