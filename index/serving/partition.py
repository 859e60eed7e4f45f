"""One shard of the index: matches, counts, facets, features, page documents and statistics.

A :class:`Partition` only reads, and every read method is safe to call from many threads at
once: each call takes one immutable snapshot (a Tantivy searcher and the forward store as of
the last :meth:`Partition.reload`), so a reload in another thread never mixes two states.
Writes go through :mod:`index.build.live` (one writer process per shard).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import tantivy

from index.forward import DeltaLog, DeltaState, ForwardBatch, ForwardStore, ForwardTable
from index.guard import engine_call
from index.page import page_fields, page_highlights
from index.schema import FACET_FIELDS, FIELD_BY_NAME, build_schema, open_tantivy_index
from talent.errors import IndexUnavailable, QueryError

#: Facets counted in value ranges instead of by value: field -> bucket edges. The buckets are
#: ``value < edges[0]``, ``edges[i-1] <= value < edges[i]`` and ``value >= edges[-1]``; their keys
#: are ``(lower, upper)`` tuples with ``None`` for an open end (Tantivy range aggregations).
RANGE_FACETS: dict[str, tuple[float, ...]] = {"years_experience": (3.0, 6.0, 11.0, 16.0)}



@dataclass(frozen=True)
class Hits:
    """A partition's top matches, best first, and how many documents matched in all."""

    member_ids: np.ndarray  # int64
    scores: np.ndarray      # float32
    count: int
    shard: int = -1
    #: the snapshot the hits came from: further reads about them must use the same one
    searcher: tantivy.Searcher | None = field(default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.member_ids)


def bm25_idf(doc_freq: int, num_docs: int) -> float:
    """``ln(1 + (N - n + 0.5) / (n + 0.5))``, the idf Tantivy's BM25 uses."""
    return math.log(1.0 + (num_docs - doc_freq + 0.5) / (doc_freq + 0.5))


@dataclass(frozen=True)
class _Snapshot:
    searcher: tantivy.Searcher
    forward: ForwardStore
    deltas: DeltaState


class Partition:
    """Read access to shard ``shard`` of an index version (see ``docs/index.md``)."""

    def __init__(self, shard: int, shard_dir: Path, *, expected_members: int | None = None):
        self.shard = shard
        self.path = Path(shard_dir)
        self.schema = build_schema()
        tantivy_dir = self.path / "tantivy"
        if not (tantivy_dir / "meta.json").exists():
            raise IndexUnavailable(f"shard {shard} at {tantivy_dir} is missing or incomplete (no "
                                   "meta.json): run `talent index build`")
        try:
            with engine_call(f"opening shard {shard} at {tantivy_dir}"):
                self.index = open_tantivy_index(tantivy_dir)
                self.index.config_reader(reload_policy="manual")
        except IndexUnavailable as exc:
            raise IndexUnavailable(f"shard {shard} at {tantivy_dir} is corrupt: {exc}; "
                                   "run `talent index build`") from exc
        base = ForwardTable.load_dir(self.path / "forward")
        if expected_members is not None and len(base) != expected_members:
            raise IndexUnavailable(f"shard {shard} forward store {self.path / 'forward'} holds "
                                   f"{len(base)} members, the manifest says {expected_members}: "
                                   "run `talent index build`")
        self._base = base
        self._deltas = DeltaLog(self.path / "forward-delta")
        self._lock = threading.Lock()
        self._snapshot = self._load(None)

    # state ---------------------------------------------------------------------------------
    def _load(self, previous: _Snapshot | None) -> _Snapshot:
        with engine_call(f"reloading shard {self.shard}"):
            self.index.reload()
            searcher = self.index.searcher()
        overlay, state = self._deltas.load(previous.forward.overlay if previous else None,
                                           previous.deltas if previous else DeltaState())
        if previous is not None and overlay is previous.forward.overlay:
            forward = previous.forward
        else:
            forward = ForwardStore(self._base, overlay)
        return _Snapshot(searcher, forward, state)

    def reload(self) -> None:
        """Pick up new commits and forward deltas (Tantivy first, then deltas: the updater
        writes deltas before it commits, so features are never older than the documents)."""
        with self._lock:
            self._snapshot = self._load(self._snapshot)

    @property
    def num_docs(self) -> int:
        return self._snapshot.searcher.num_docs

    @property
    def searcher(self) -> tantivy.Searcher:
        """The Tantivy searcher of the current snapshot (for collectors this class lacks)."""
        return self._snapshot.searcher

    @property
    def forward(self) -> ForwardStore:
        """The forward store of the current snapshot (base arrays plus live overlay)."""
        return self._snapshot.forward

    # matching ------------------------------------------------------------------------------
    def search(self, query: tantivy.Query, limit: int) -> Hits:
        """The top ``limit`` matches by score and the total match count.

        ``limit`` 0 returns only the count. Member ids come from the ``member_id`` fast field.
        """
        if limit < 0:
            raise QueryError("limit must be >= 0")
        searcher = self._snapshot.searcher
        with engine_call(f"searching shard {self.shard}", query=True):
            result = searcher.search(query, max(limit, 1), count=True)
            hits = result.hits if limit > 0 else []
            ids = searcher.fast_field_values("member_id",
                                             [addr for _, addr in hits]) if hits else []
        return Hits(
            member_ids=np.asarray(ids, dtype=np.int64),
            scores=np.asarray([score for score, _ in hits], dtype=np.float32),
            count=int(result.count or 0),
            shard=self.shard,
            searcher=searcher,
        )

    def count(self, query: tantivy.Query) -> int:
        """How many documents of this shard match ``query``."""
        return self.search(query, 0).count

    def facets(self, query: tantivy.Query, fields: Iterable[str],
               size: int = 1000) -> dict[str, dict[Any, int]]:
        """Per field, value -> number of matching documents (Tantivy terms aggregations).

        Counts are exact for fields with at most ``size`` distinct values in the matches;
        beyond that each shard returns its top ``size`` (sum them with :func:`merge_facets`).
        Fields of :data:`RANGE_FACETS` are counted per bucket instead, keyed ``(lower, upper)``.
        """
        fields = list(fields)
        unknown = [f for f in fields if f not in FACET_FIELDS]
        if unknown:
            raise QueryError(f"cannot count facets of {', '.join(unknown)}; facet fields: "
                             f"{', '.join(FACET_FIELDS)}")
        if not fields:
            return {}
        request = {f: _range_aggregation(f) if f in RANGE_FACETS
                   else {"terms": {"field": f, "size": int(size)}}
                   for f in fields}
        with engine_call(f"counting facets on shard {self.shard}", query=True):
            result = self._snapshot.searcher.aggregate(query, request)
        out: dict[str, dict[Any, int]] = {}
        for f in fields:
            kind = FIELD_BY_NAME[f].kind
            buckets = result.get(f, {}).get("buckets", [])
            if f in RANGE_FACETS:
                out[f] = {(b.get("from"), b.get("to")): int(b["doc_count"]) for b in buckets}
            elif kind == "bool":
                out[f] = {b.get("key_as_string") == "true": int(b["doc_count"]) for b in buckets}
            elif kind == "int":
                out[f] = {int(b["key"]): int(b["doc_count"]) for b in buckets}
            else:
                out[f] = {b["key"]: int(b["doc_count"]) for b in buckets}
        return out

    # features and documents ------------------------------------------------------------------
    def features(self, member_ids: Sequence[int] | np.ndarray) -> ForwardBatch:
        """Ranking features of ``member_ids`` from the forward store (never stored documents)."""
        return self._snapshot.forward.gather(member_ids)

    def documents(self, member_ids: Sequence[int],
                  highlight: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The page fields of the given members (:mod:`index.page`, from the forward store),
        in the order asked for.

        Members this shard does not hold are left out. With ``highlight`` (analyzed query
        words), each document gets ``highlights``: field -> HTML snippet with ``<b>`` around
        the words holding them (headline, summary).
        """
        ids = [int(i) for i in dict.fromkeys(int(i) for i in member_ids)]
        if not ids:
            return []
        words = frozenset(highlight) if highlight is not None else None
        pages = []
        for mid, record in zip(ids, self._snapshot.forward.pages(ids)):
            if record is None:
                continue
            page = page_fields(mid, record)
            if words is not None:
                page["highlights"] = page_highlights(page, words)
            pages.append(page)
        return pages

    # statistics --------------------------------------------------------------------------------
    def doc_freq(self, field: str, term: Any) -> int:
        """Documents of this shard holding ``term`` in ``field`` (terms as analyzed, see
        :func:`index.schema.analyze`; deleted documents count until segments merge)."""
        with engine_call(f"reading statistics of shard {self.shard}", query=True):
            return int(self._snapshot.searcher.doc_freq(field, term))

    def term_statistics(
            self, terms: Mapping[str, Sequence[Any]]) -> tuple[int, dict[tuple[str, Any], int]]:
        """Document count and the frequency of every ``(field, term)`` of ``terms`` (field ->
        terms), read from one snapshot."""
        searcher = self._snapshot.searcher
        with engine_call(f"reading statistics of shard {self.shard}", query=True):
            freqs = {(f, t): int(searcher.doc_freq(f, t)) for f, ts in terms.items() for t in ts}
            return int(searcher.num_docs), freqs


def _range_aggregation(field: str) -> dict[str, Any]:
    """A range aggregation over the buckets of :data:`RANGE_FACETS` (lower bound inclusive)."""
    edges = [float(e) for e in RANGE_FACETS[field]]
    ranges: list[dict[str, float]] = [{"to": edges[0]}]
    ranges += [{"from": lo, "to": hi} for lo, hi in pairwise(edges)]
    ranges.append({"from": edges[-1]})
    return {"range": {"field": field, "ranges": ranges}}


def merge_facets(parts: Iterable[dict[str, dict[Any, int]]]) -> dict[str, dict[Any, int]]:
    """Sum per-partition facet counts; values sorted by count, largest first."""
    total: dict[str, dict[Any, int]] = {}
    for part in parts:
        for f, counts in part.items():
            bucket = total.setdefault(f, {})
            for value, n in counts.items():
                bucket[value] = bucket.get(value, 0) + n
    return {f: dict(sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0]))))
            for f, c in total.items()}
