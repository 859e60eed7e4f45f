"""How the broker reaches its partitions: one small interface, two implementations.

The broker has one code path (:mod:`index.serving.broker`): build the query plan from every
partition's term statistics, fan the plan out, merge what came back in time. What differs
between running the partitions on threads of this process and on Ray actors (possibly on other
machines, :mod:`index.cluster`) is only *how* a partition is reached, so that is all a
:class:`PartitionExecutor` does:

- :meth:`~PartitionExecutor.term_statistics`: each partition's document count and the
  frequencies of the plan's terms (the corpus idf is their sum);
- :meth:`~PartitionExecutor.fan_out`: every partition runs :func:`index.l1.scoring.
  score_partition` (retrieval, features, L1, top k, facets) where its data is, within the
  per-partition deadline; a partition that raises or is late is reported in
  :attr:`FanOut.failures` and left out, a :class:`~talent.errors.QueryError` (a bad query)
  is raised.

:class:`ThreadExecutor` is the default: a thread pool over the snapshot's
:class:`~index.serving.partition.Partition` objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from index.l1.model import L1Scorer
from index.l1.scoring import PartitionResult, score_partition
from index.serving.plan import QueryPlan
from index.serving.snapshot import IndexSnapshot
from talent.errors import QueryError, TalentError

#: One partition's statistics for a plan: (the partition, its document count, (field, term) ->
#: document frequency), as :class:`~index.serving.plan.QueryPlan` keeps them per shard.
ShardStatistics = tuple[Any, int, dict[tuple[str, str], int]]


@dataclass(frozen=True)
class PartitionWork:
    """What every partition is asked to do for one request (besides the plan)."""

    depth: int
    top_k: int
    facet_fields: tuple[str, ...] = ()
    facet_size: int = 100
    facet_counts: str = "exact"  # or "sampled" (BrokerSettings.facet_counts)


@dataclass
class FanOut:
    """The partitions' answers that came back in time, and why the others did not."""

    results: list[PartitionResult]
    failures: dict[int, str] = field(default_factory=dict)


class PartitionExecutor(Protocol):
    """Reaches the partitions of a snapshot (threads in this process, or Ray actors)."""

    name: str

    def term_statistics(self, snapshot: IndexSnapshot,
                        terms: Mapping[str, Sequence[str]]) -> list[ShardStatistics]:
        """Every partition's document count and term frequencies (partitions that cannot answer
        are left out: their idf contribution is missing, the fan-out decides partial-ness)."""
        ...

    def fan_out(self, snapshot: IndexSnapshot, plan: QueryPlan, scorer: L1Scorer | None,
                work: PartitionWork, deadline_s: float) -> FanOut:
        """Every partition scores ``plan``; answers later than ``deadline_s`` are left out."""
        ...

    def close(self) -> None: ...


def local_term_statistics(snapshot: IndexSnapshot,
                          terms: Mapping[str, Sequence[str]]) -> list[ShardStatistics]:
    """Term statistics read from the snapshot's partitions in this process, one after another
    (a dictionary lookup per term: cheaper than a hand-off to a pool)."""
    out: list[ShardStatistics] = []
    for p in snapshot.partitions:
        n, freqs = p.term_statistics(terms)
        out.append((p, n, freqs))
    return out


def failure_reason(exc: BaseException) -> str:
    """How a partition's failure is reported in ``CandidateList.failures``."""
    return str(exc) if isinstance(exc, TalentError) else f"{type(exc).__name__}: {exc}"


class ThreadExecutor:
    """Partitions searched from a thread pool of this process (Tantivy releases the GIL)."""

    name = "threads"

    def __init__(self, max_workers: int = 4):
        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="talent-partition")
        # facet aggregations of partitions that matched more than they retrieved run beside
        # their partition's feature work (a pool of their own: never queued behind partitions)
        self._facet_pool = ThreadPoolExecutor(max_workers=max_workers,
                                              thread_name_prefix="talent-facets")

    def term_statistics(self, snapshot: IndexSnapshot,
                        terms: Mapping[str, Sequence[str]]) -> list[ShardStatistics]:
        return local_term_statistics(snapshot, terms)

    def fan_out(self, snapshot: IndexSnapshot, plan: QueryPlan, scorer: L1Scorer | None,
                work: PartitionWork, deadline_s: float) -> FanOut:
        futures: dict[Future[PartitionResult], int] = {
            self._pool.submit(score_partition, snapshot, p, plan, scorer, depth=work.depth,
                              top_k=work.top_k, facet_fields=work.facet_fields,
                              facet_size=work.facet_size, facet_pool=self._facet_pool,
                              facet_counts=work.facet_counts): p.shard
            for p in snapshot.partitions
        }
        done, late = wait(futures, timeout=deadline_s)
        out = FanOut([])
        for fut in done:
            try:
                out.results.append(fut.result())
            except QueryError:
                raise
            except Exception as exc:  # noqa: BLE001 - a broken partition gives partial results
                out.failures[futures[fut]] = failure_reason(exc)
        for fut in late:
            fut.cancel()
            out.failures[futures[fut]] = f"missed the {deadline_s * 1000:.0f} ms deadline"
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._facet_pool.shutdown(wait=False, cancel_futures=True)
