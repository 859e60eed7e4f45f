"""The Ray executor: the broker's calls go to partition actors through their handles.

Same contract as :class:`~index.serving.executors.ThreadExecutor`: every partition of the
snapshot (here a :class:`~index.cluster.serving.RemotePartition` naming its actor) is asked at
once, the answers in by the deadline are kept, a partition that raised, died or is late is a
failure of that partition only, and a bad query (``QueryError`` raised in a partition) fails the
search. Plans go out as :class:`~index.cluster.shard_server.PlanMessage`; results come back as
:class:`~index.l1.scoring.PartitionResult` (numpy arrays). The L1 model is put in the object
store once and each actor fetches it the first time it is named.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from index.cluster.actors import last_line
from index.cluster.shard_server import plan_message
from index.l1.model import L1Scorer
from index.serving.executors import FanOut, PartitionWork, ShardStatistics, failure_reason
from index.serving.plan import QueryPlan
from index.serving.snapshot import IndexSnapshot
from talent.errors import QueryError
from talent.logging import get_logger

log = get_logger(__name__)

#: Seconds a broker waits for its actors to load a new L1 model (once per model and actor).
WARM_TIMEOUT = 30.0


def _cause(exc: BaseException) -> BaseException:
    """The exception a partition raised, unwrapped from Ray's task error."""
    if isinstance(exc, RayTaskError):
        return getattr(exc, "cause", None) or exc
    return exc


def _failure(exc: BaseException) -> str:
    if isinstance(exc, RayActorError):
        return f"partition actor unavailable: {last_line(exc)}"
    return failure_reason(_cause(exc))


class RayExecutor:
    """Partitions reached as Ray actors (see :mod:`index.cluster.actors`)."""

    name = "ray"

    def __init__(self, statistics_timeout_s: float = 2.0):
        self.statistics_timeout_s = statistics_timeout_s
        self._scorer: L1Scorer | None = None
        self._scorer_key: str | None = None
        self._scorer_box: list[Any] | None = None
        self._warm: set[Any] = set()  # actor ids holding the current scorer
        self._lock = threading.Lock()

    def _shipped(self, scorer: L1Scorer | None,
                 snapshot: IndexSnapshot) -> tuple[str | None, list[Any] | None]:
        """The key and boxed reference of ``scorer``; actors that have not loaded it yet load it
        now, before the deadline starts (a model takes a while to arrive and deserialize)."""
        if scorer is None:
            return None, None
        with self._lock:  # concurrent searches: one shipment and one warm-up per actor
            return self._ship(scorer, snapshot)

    def _ship(self, scorer: L1Scorer,
              snapshot: IndexSnapshot) -> tuple[str | None, list[Any] | None]:
        if scorer is not self._scorer:
            self._scorer, self._scorer_key = scorer, uuid.uuid4().hex
            # in a list, so Ray passes the reference instead of resolving it on every call
            self._scorer_box = [ray.put(scorer)]
            self._warm = set()
        key, box = self._scorer_key, self._scorer_box
        assert key is not None and box is not None
        cold = [p.actor for p in snapshot.partitions
                if p.actor._actor_id not in self._warm]  # type: ignore[attr-defined]
        if cold:
            loads = [a.load_scorer.remote(key, box) for a in cold]
            ready, _ = ray.wait(loads, num_returns=len(loads), timeout=WARM_TIMEOUT)
            for actor, ref in zip(cold, loads):
                # tried once: one that failed (dead, restarting) loads it on its first call
                self._warm.add(actor._actor_id)
                if ref in ready:
                    try:
                        ray.get(ref)
                    except Exception as exc:  # noqa: BLE001 - the fan-out reports the partition
                        log.warning("index.cluster.scorer_not_loaded", error=last_line(exc))
        return key, box

    def term_statistics(self, snapshot: IndexSnapshot,
                        terms: Mapping[str, Sequence[str]]) -> list[ShardStatistics]:
        terms = {f: list(ts) for f, ts in terms.items()}
        refs = {p.actor.term_statistics.remote(terms): p for p in snapshot.partitions}
        ready, late = ray.wait(list(refs), num_returns=len(refs),
                               timeout=self.statistics_timeout_s)
        out: list[ShardStatistics] = []
        missing: dict[int, str] = {}
        for ref in ready:
            p = refs[ref]
            try:
                n, freqs = ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - sorted below
                if isinstance(_cause(exc), QueryError):
                    raise _cause(exc) from None
                missing[p.shard] = _failure(exc)
                continue
            out.append((p, n, freqs))
        for ref in late:
            missing[refs[ref].shard] = "late"
        if missing:  # the corpus idf lacks these shards; the fan-out reports them if they fail
            log.warning("index.cluster.statistics_partial", missing=missing)
        return out

    def fan_out(self, snapshot: IndexSnapshot, plan: QueryPlan, scorer: L1Scorer | None,
                work: PartitionWork, deadline_s: float) -> FanOut:
        key, box = self._shipped(scorer, snapshot)
        refs = {p.actor.score_remote.remote(plan_message(plan, p.shard), key, box, work): p.shard
                for p in snapshot.partitions}
        ready, late = ray.wait(list(refs), num_returns=len(refs), timeout=deadline_s)
        out = FanOut([])
        for ref in ready:
            try:
                out.results.append(ray.get(ref))
            except Exception as exc:  # noqa: BLE001 - a broken partition gives partial results
                if isinstance(_cause(exc), QueryError):
                    raise _cause(exc) from None
                out.failures[refs[ref]] = _failure(exc)
        for ref in late:
            try:
                ray.cancel(ref)
            except Exception as exc:  # noqa: BLE001 - best effort: the answer is dropped anyway
                log.debug("index.cluster.cancel_failed", error=str(exc))
            out.failures[refs[ref]] = f"missed the {deadline_s * 1000:.0f} ms deadline"
        return out

    def close(self) -> None:
        self._scorer = self._scorer_box = None
