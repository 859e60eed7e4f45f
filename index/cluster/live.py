"""Live updates routed to the owning partition's actor.

The updater (``talent index update --follow``) still reads the outbox, re-reads the changed
profiles and computes their documents and forward rows; with the Ray backend each shard's batch
is then sent to that shard's actor, which applies it as the shard's single writer and serves it
at once (:meth:`~index.cluster.shard_server.ShardServer.apply_update`). A version nobody serves
yet gets its actors created here (they are shared, see :mod:`index.cluster.actors`).
"""

from __future__ import annotations

from pathlib import Path

import ray
from ray.actor import ActorHandle
from ray.exceptions import RayActorError, RayTaskError

from index.build.forward_rows import ForwardTableBuilder
from index.build.live import WriterOpener
from index.cluster.actors import PartitionActor, last_line, partition_actor
from talent.errors import IndexUnavailable

#: Seconds an update batch may take in its actor (a restarting actor reopens its shard first).
APPLY_TIMEOUT = 60.0


class RemoteShardWriter:
    """Writes one shard's batches through its partition actor."""

    def __init__(self, actor: ActorHandle, shard: int):
        self.actor = actor
        self.shard = shard

    def apply(self, builder: ForwardTableBuilder, docs: dict[int, str | None], seq: int) -> None:
        try:
            ray.get(self.actor.apply_update.remote(builder.build(), docs, seq),
                    timeout=APPLY_TIMEOUT)
        except (RayTaskError, RayActorError, ray.exceptions.GetTimeoutError) as exc:
            raise IndexUnavailable(f"the actor of shard {self.shard} did not apply the update: "
                                   f"{last_line(exc)}") from exc

    def close(self) -> None:
        try:
            ray.get(self.actor.close_writer.remote(), timeout=APPLY_TIMEOUT)
        except (RayTaskError, RayActorError, ray.exceptions.GetTimeoutError):
            pass  # a dead actor holds no lock


def actor_writers(index_dir: Path, *, actor_class: type = PartitionActor,
                  reload_interval: float = 0.25) -> WriterOpener:
    """A :data:`~index.build.live.WriterOpener` sending each shard's batches to its actor."""

    def open_writer(version: str, shard: int, shard_dir: Path,
                    heap_bytes: int) -> RemoteShardWriter:
        actor = partition_actor(index_dir, version, shard, actor_class=actor_class,
                                reload_interval=reload_interval)
        return RemoteShardWriter(actor, shard)

    return open_writer
