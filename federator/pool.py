"""The qualified pool of a query: every member it matches, in every partition, aggregated.

The broker keeps each partition's top k; a question about *all* the matches (how the pool
splits into groups) needs them all. :class:`QualifiedPool` runs the broker's own query plan in
every partition at once (the plan the broker searches with, so the pool is what it matched),
reads the member id of every match from the ``member_id`` fast field (constant-scored: no BM25
work), hands those ids to a counting function in the partition's thread and sums what the
partitions return. Nothing but the sums leaves it: which members matched is not kept.

Costs on the 1M world (4 shards, a partition thread each): reading a match back is about 1 us,
so a typical query (a few hundred matches) counts in a few ms and a broad one (30k) in ~30 ms,
plus one evaluation of the query per partition. A small cache (index version + query, for
``cache_seconds``) answers the same query again (pages 2, 3, ... and stage switches) for free.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
import tantivy

from index.guard import engine_call
from index.serving.broker import Broker
from index.serving.partition import Partition
from index.serving.plan import QueryPlan
from talent.logging import get_logger
from talent.query import ParsedQuery

log = get_logger(__name__)

#: Matches read back by the first search of a partition; a partition with more searches again
#: for all of them (the first search counts them).
FIRST_READ = 4096

CountFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PoolCount:
    """The counting function's sums over every match, and where they came from."""

    counts: np.ndarray
    members: int
    partitions_answered: int
    partitions_total: int
    cached: bool = False
    ms: float = 0.0

    @property
    def partial(self) -> bool:
        return self.partitions_answered < self.partitions_total


def matching_member_ids(partition: Partition, query: tantivy.Query) -> np.ndarray:
    """The member id of every document of ``partition`` that ``query`` matches."""
    searcher = partition.searcher
    unscored = tantivy.Query.const_score_query(query, 0.0)
    with engine_call(f"reading the qualified pool of shard {partition.shard}", query=True):
        result = searcher.search(unscored, FIRST_READ, count=True)
        if (result.count or 0) > len(result.hits):
            result = searcher.search(unscored, int(result.count), count=False)
        hits = result.hits
        ids = searcher.fast_field_values("member_id", [a for _, a in hits]) if hits else []
    return np.asarray(ids, dtype=np.int64)


def query_key(parsed: ParsedQuery) -> str:
    """What identifies a query's matches for the cache (its canonical text and facets)."""
    return f"{parsed.canonical_text or ''}\x1f{parsed.structured.model_dump_json()}"


class QualifiedPool:
    """Counts a query's whole pool with ``count`` (member ids -> a vector of counts).

    Thread-safe. ``deadline_ms``: partitions that have not answered by then are left out (the
    result says so); ``cache_size`` queries are kept ``cache_seconds`` (0: no cache)."""

    def __init__(self, broker: Broker, count: CountFn, *, deadline_ms: int = 2000,
                 cache_size: int = 256, cache_seconds: float = 60.0):
        self.broker = broker
        self.count = count
        self.deadline_ms = deadline_ms
        self.cache_size = cache_size
        self.cache_seconds = cache_seconds
        self._cache: OrderedDict[tuple[str, str], tuple[float, PoolCount]] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(4, len(broker.serving.partitions)),
                                        thread_name_prefix="talent-pool")

    def _count_partition(self, partition: Partition, plan: QueryPlan) -> tuple[np.ndarray, int]:
        ids = matching_member_ids(partition, plan.compile(partition))
        return np.asarray(self.count(ids), dtype=np.int64), len(ids)

    def __call__(self, parsed: ParsedQuery) -> PoolCount:
        """The sums over every member ``parsed`` matches in the current index version."""
        t0 = time.perf_counter()
        snapshot = self.broker.serving.snapshot()
        key = (snapshot.version, query_key(parsed))
        hit = self._cached(key)
        if hit is not None:
            return PoolCount(hit.counts, hit.members, hit.partitions_answered,
                             hit.partitions_total, True, (time.perf_counter() - t0) * 1e3)
        plan = self.broker.plan(parsed, snapshot)
        futures: dict[Future[tuple[np.ndarray, int]], int] = {
            self._pool.submit(self._count_partition, p, plan): p.shard
            for p in snapshot.partitions}
        done, late = wait(futures, timeout=self.deadline_ms / 1000.0)
        for fut in late:
            fut.cancel()
        sums: np.ndarray | None = None
        members = answered = 0
        for fut in done:
            try:
                counts, n = fut.result()
            except Exception as exc:  # noqa: BLE001 - a broken partition makes the pool partial
                log.warning("pool.partition_failed", shard=futures[fut],
                            error=f"{type(exc).__name__}: {exc}")
                continue
            sums = counts if sums is None else sums + counts
            members += n
            answered += 1
        if sums is None:
            sums = np.asarray(self.count(np.zeros(0, dtype=np.int64)), dtype=np.int64)
        out = PoolCount(sums, members, answered, len(snapshot.partitions), False,
                        (time.perf_counter() - t0) * 1e3)
        if not out.partial:
            self._store(key, out)
        return out

    def _cached(self, key: tuple[str, str]) -> PoolCount | None:
        if self.cache_size <= 0 or self.cache_seconds <= 0:
            return None
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.cache_seconds:
                del self._cache[key]
                return None
            self._cache.move_to_end(key)
            return entry[1]

    def _store(self, key: tuple[str, str], value: PoolCount) -> None:
        if self.cache_size <= 0 or self.cache_seconds <= 0:
            return
        with self._lock:
            self._cache[key] = (time.monotonic(), value)
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
