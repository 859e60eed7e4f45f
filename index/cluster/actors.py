"""Partition actors: one named Ray actor per (index, version, shard).

An actor is a :class:`~index.cluster.shard_server.ShardServer` in its own worker process
(anywhere in the cluster): it opens its shard when it starts, and again when Ray restarts it
after a crash (``max_restarts=-1``); a call in flight when it dies fails (``max_task_retries=0``:
the broker reports the partition missing rather than waiting for a retry), calls made while it
restarts wait for it. Actors are named ``talent-<index key>-<version>-<shard>`` in the ``talent``
namespace and detached, so every broker process of a cluster (web workers, the live updater)
reaches the same ones (``get_if_exists``); the broker that swaps a version in retires the old
version's actors after a grace period.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ray
from ray.actor import ActorHandle
from ray.exceptions import GetTimeoutError, RayActorError

from index.cluster.connect import NAMESPACE, index_key
from index.cluster.shard_server import PlanMessage, ShardInfo, ShardServer
from index.l1.scoring import PartitionResult
from index.serving.executors import PartitionWork
from talent.errors import IndexUnavailable
from talent.logging import get_logger

log = get_logger(__name__)

#: Concurrent calls one actor serves (searches of several brokers; Tantivy releases the GIL).
ACTOR_CONCURRENCY = 8
#: Scorers an actor keeps deserialized (brokers with different L1 models share actors).
SCORERS_KEPT = 4


class PartitionActor(ShardServer):
    """A :class:`ShardServer` that receives its L1 scorer through the object store once."""

    def __init__(self, index_dir: str, version: str, shard: int, *,
                 reload_interval: float = 0.25):
        super().__init__(index_dir, version, shard, reload_interval=reload_interval)
        self._scorers: dict[str, Any] = {}

    def ready(self) -> ShardInfo:
        return self.info()

    def load_scorer(self, scorer_key: str, scorer_box: list[Any]) -> None:
        """Fetch and keep the scorer ``scorer_key`` (a broker warms its actors up with it)."""
        self._scorer_for(scorer_key, scorer_box)

    def _scorer_for(self, scorer_key: str, scorer_box: list[Any] | None) -> Any:
        scorer = self._scorers.get(scorer_key)
        if scorer is None:
            if not scorer_box:
                raise ValueError(f"scorer {scorer_key} is unknown here and was not sent")
            scorer = ray.get(scorer_box[0])
            if len(self._scorers) >= SCORERS_KEPT:
                self._scorers.pop(next(iter(self._scorers)))
            self._scorers[scorer_key] = scorer
        return scorer

    def score_remote(self, message: PlanMessage, scorer_key: str | None,
                     scorer_box: list[Any] | None, work: PartitionWork) -> PartitionResult:
        """:meth:`ShardServer.score` with the scorer named by ``scorer_key`` (fetched from the
        object reference in ``scorer_box`` the first time this actor sees the key)."""
        scorer = self._scorer_for(scorer_key, scorer_box) if scorer_key is not None else None
        return self.score(message, scorer, work)


def actor_name(index_dir: Path | str, version: str, shard: int) -> str:
    return f"talent-{index_key(index_dir)}-{version}-{shard}"


_REMOTE: dict[type, Any] = {}


def _remote_class(actor_class: type) -> Any:
    found = _REMOTE.get(actor_class)
    if found is None:
        found = _REMOTE[actor_class] = ray.remote(actor_class)
    return found


def partition_actor(index_dir: Path | str, version: str, shard: int, *,
                    actor_class: type = PartitionActor,
                    reload_interval: float = 0.25) -> ActorHandle:
    """The actor of ``shard`` of ``version`` (created unless it exists; not waited for)."""
    index_dir = Path(index_dir).resolve()
    return _remote_class(actor_class).options(
        name=actor_name(index_dir, version, shard), namespace=NAMESPACE, get_if_exists=True,
        lifetime="detached", max_restarts=-1, max_task_retries=0,
        max_concurrency=ACTOR_CONCURRENCY, num_cpus=0, scheduling_strategy="SPREAD",
    ).remote(str(index_dir), version, shard, reload_interval=reload_interval)


def open_partitions(index_dir: Path | str, version: str, shards: int, *,
                    actor_class: type = PartitionActor, reload_interval: float = 0.25,
                    timeout: float = 120.0) -> list[tuple[ActorHandle, ShardInfo]]:
    """The actors of every shard of ``version``, once each has opened its shard."""
    handles = [partition_actor(index_dir, version, i, actor_class=actor_class,
                               reload_interval=reload_interval) for i in range(shards)]
    try:
        infos = ray.get([h.ready.remote() for h in handles], timeout=timeout)
    except GetTimeoutError as exc:
        retire(handles)
        raise IndexUnavailable(f"the partition actors of index version {version} did not open "
                               f"their shards within {timeout:.0f} s") from exc
    except RayActorError as exc:
        retire(handles)
        raise IndexUnavailable(f"a partition actor of index version {version} could not open "
                               f"its shard: {last_line(exc)}") from exc
    return list(zip(handles, infos))


def retire(handles: list[ActorHandle]) -> None:
    """Stop these actors for good (a retired version's; errors ignored: already gone)."""
    for h in handles:
        try:
            ray.kill(h, no_restart=True)
        except Exception as exc:  # noqa: BLE001 - a dead actor needs no killing
            log.debug("index.cluster.retire_failed", error=str(exc))


def last_line(exc: BaseException) -> str:
    """The last non-empty line of an exception's text (Ray's carry whole tracebacks)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
