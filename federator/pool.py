"""The qualified pool of a query: every member it matches, in every partition, aggregated.

The broker keeps each partition's top k; a question about *all* the matches (how the pool
splits into groups) needs them all. A partition that matched fewer than its top k handed the
broker every match already: :class:`QualifiedPool` counts those from the candidates. The others
(and partitions the broker did not hear from) it searches again with the broker's own query
plan (so the pool is what the broker matched), constant-scored (no BM25 work), reading the
member id of every match from the ``member_id`` fast field; a counting function turns ids into
counts in the partition's thread and the sums are added up. Nothing but the sums leaves it:
which members matched is not kept.

Costs on the 1M world (4 shards, a partition thread each): most queries match fewer than 250
members a partition and cost nothing; otherwise reading a match back is about 1 us, plus one
evaluation of the query in the partition (see ``docs/rerank.md``). A small cache (index version
+ query, for ``cache_seconds``) answers the same query again (pages 2, 3, ... and stage
switches) for free.
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
from index.serving.candidates import CandidateList
from index.serving.partition import Partition
from index.serving.plan import QueryPlan
from index.serving.snapshot import IndexSnapshot
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
    #: partitions searched for their matches (the others were counted from the candidates)
    searched: int = 0

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

    def complete_partitions(self, known: CandidateList) -> dict[int, np.ndarray]:
        """Partitions whose every match is among ``known`` (the broker's candidates): those that
        answered the broker with fewer than its top k (a partition returns its top k, or all its
        matches when it has fewer) -> their member ids."""
        top_k = self.broker.settings.partition_top_k
        complete = {}
        for shard in known.partitions_answered:
            ids = known.member_ids[known.shards == shard]
            if len(ids) < top_k:
                complete[int(shard)] = ids
        return complete

    def _search(self, snapshot: IndexSnapshot, parsed: ParsedQuery, shards: set[int]
                ) -> dict[int, tuple[np.ndarray, int]]:
        """Partition -> (counts, matches) of the partitions in ``shards`` that answer in time."""
        if not shards:
            return {}
        plan = self.broker.plan(parsed, snapshot)
        futures: dict[Future[tuple[np.ndarray, int]], int] = {
            self._pool.submit(self._count_partition, p, plan): p.shard
            for p in snapshot.partitions if p.shard in shards}
        done, late = wait(futures, timeout=self.deadline_ms / 1000.0)
        for fut in late:
            fut.cancel()
        out = {}
        for fut in done:
            try:
                out[futures[fut]] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a broken partition makes the pool partial
                log.warning("pool.partition_failed", shard=futures[fut],
                            error=f"{type(exc).__name__}: {exc}")
        return out

    def __call__(self, parsed: ParsedQuery, known: CandidateList | None = None) -> PoolCount:
        """The sums over every member ``parsed`` matches in the current index version.

        ``known``: the broker's candidates for ``parsed`` (any stage's reordering of them). A
        partition that gave the broker fewer than its top k gave it every match, and is counted
        from them without a search; the others are searched. If the counts do not add up to the
        broker's match count (a stage cut the list, or the index moved), every partition is
        searched."""
        t0 = time.perf_counter()
        snapshot = self.broker.serving.snapshot()
        key = (snapshot.version, query_key(parsed))
        hit = self._cached(key)
        if hit is not None:
            return PoolCount(hit.counts, hit.members, hit.partitions_answered,
                             hit.partitions_total, True, (time.perf_counter() - t0) * 1e3, 0)
        every = {p.shard for p in snapshot.partitions}
        complete = self.complete_partitions(known) if known is not None else {}
        found = self._search(snapshot, parsed, every - set(complete))
        if known is not None and complete:
            seen = (sum(len(ids) for ids in complete.values())
                    + sum(n for shard, (_, n) in found.items()
                          if shard in known.partitions_answered))
            if seen != known.total:
                found.update(self._search(snapshot, parsed, set(complete)))
                complete = {}
        found.update({shard: (np.asarray(self.count(ids), dtype=np.int64), len(ids))
                      for shard, ids in complete.items()})
        zero = np.asarray(self.count(np.zeros(0, dtype=np.int64)), dtype=np.int64)
        sums = sum((counts for counts, _ in found.values()), zero)
        out = PoolCount(sums, sum(n for _, n in found.values()), len(found), len(every), False,
                        (time.perf_counter() - t0) * 1e3, len(found) - len(complete))
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
