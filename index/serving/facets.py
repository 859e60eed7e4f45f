"""Facet counts from the forward store, for a partition whose every match was retrieved.

Counting facets with a Tantivy aggregation evaluates the query a second time over the shard;
when retrieval already returned every match (the common case: most recruiter queries match
fewer documents per partition than the retrieval depth), the matches' forward-store rows,
read for the L1 features anyway, hold every facet value, and counting them is one compiled pass
over each field's column in place (:mod:`index.serving.facet_kernel`). The counts are the
aggregation's, value for value (a test checks both ways agree on many queries); a partition
with more matches than it retrieved uses the aggregation.

Partitions hand the broker their counts as integer arrays (:class:`FacetCounts`), the broker
sums them with numpy and turns only the values it keeps into titles, skills and flags
(:func:`facet_values`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.forward import ForwardBatch, ForwardStore
from index.serving.facet_kernel import bucket_counts, column_counts, row_counts, true_count
from index.serving.partition import RANGE_FACETS
from index.vocab import Vocabulary

#: facet field -> forward-store column (ids; -1 means none) for the single-valued integer facets.
_INT_COLUMNS = {"company_id": "company", "metro_id": "metro", "industry_id": "industry",
                "seniority": "seniority"}
#: facet fields whose keys are vocabulary codes: field -> vocabulary kind.
_CODED = {"title_id": "occupation", "skill_ids": "skill"}
_FLAGS = ("open_to_work", "willing_to_relocate")


@dataclass(frozen=True)
class FacetCounts:
    """One field's counts over a partition's matches, keys encoded as integers: vocabulary codes
    (titles, skills), ids (company, metro, industry, seniority), 0/1 (flags) or the bucket's
    position (:data:`RANGE_FACETS`: every bucket is present, zero or not)."""

    keys: np.ndarray    # int64, distinct
    counts: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.keys)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FacetCounts) and np.array_equal(self.keys, other.keys)
                and np.array_equal(self.counts, other.counts))

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside

    def top(self, size: int) -> FacetCounts:
        """The ``size`` largest counts (ties: smaller key first), as a Tantivy terms aggregation
        of that size keeps them."""
        if len(self) <= size:
            return self
        keep = np.sort(np.lexsort((self.keys, -self.counts))[:size])
        return FacetCounts(self.keys[keep], self.counts[keep])


#: Per facet field, its counts: what a partition hands the broker (summed by :func:`merge_counts`,
#: shown through :func:`facet_values`).
PartitionFacets = dict[str, FacetCounts]

#: Values below this are counted in a table (linear), larger ones by sorting (metro ids).
_BINCOUNT_LIMIT = 1 << 20


def _bucket_keys(field: str) -> list[tuple[float | None, float | None]]:
    """The ``(lower, upper)`` key of each bucket of a range facet, in bucket order."""
    edges = RANGE_FACETS[field]
    return list(zip([None, *edges], [*edges, None]))


def forward_counts(batch: ForwardBatch, fields: Iterable[str], size: int = 100
                   ) -> PartitionFacets:
    """Per field, the counts over the batch's members (who must be every match) from their
    forward rows: the ``size`` most frequent values, as a Tantivy aggregation of the same
    matches would give them (so a partition's facets never depend on which of the two counted
    them), every bucket of a range facet. Counted in place by the compiled loops of
    :mod:`index.serving.facet_kernel`."""
    columns, csr, rows, _ = batch.in_place()
    found = np.asarray(batch.found, dtype=np.bool_)
    out: PartitionFacets = {}
    for f in fields:
        if f in RANGE_FACETS:
            edges = np.asarray(RANGE_FACETS[f], dtype=np.float64)
            out[f] = FacetCounts(np.arange(len(edges) + 1, dtype=np.int64),
                                 bucket_counts(columns["years_experience"], rows, found, edges))
            continue
        if f in _FLAGS:
            members, held = true_count(columns[f], rows, found)
            out[f] = FacetCounts(np.asarray([0, 1], dtype=np.int64),
                                 np.asarray([members - held, held], dtype=np.int64))
            continue
        if f == "skill_ids":  # a member holds a skill once: one code per (member, skill)
            skills = csr["skills"]
            keys, counts, ok = row_counts(skills.indptr, skills.indices, rows, found,
                                          _BINCOUNT_LIMIT)
            if not ok:
                keys, counts = _sorted_counts(skills.take(rows[found]).indices)
        elif f in _INT_COLUMNS or f == "title_id":
            column = columns[_INT_COLUMNS.get(f, "occupation")]
            keys, counts, ok = column_counts(column, rows, found, _BINCOUNT_LIMIT)
            if not ok:  # ids past the table (metro ids): by sorting
                keys, counts = _sorted_counts(column[rows[found]])
        else:
            raise KeyError(f"no forward-store column for facet {f!r}")
        out[f] = FacetCounts(keys, counts).top(size)
    return out


def prepare_facets(store: ForwardStore) -> None:
    """Compile the counting loops for ``store``'s arrays now (read in place, and gathered), so
    that a recruiter's first search does not wait for them."""
    fields = (*_INT_COLUMNS, *_CODED, *_FLAGS, *RANGE_FACETS)
    for ids in (np.zeros(0, dtype=np.int64), np.asarray([-1], dtype=np.int64)):
        forward_counts(store.gather(ids), fields)


def _sorted_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-negative values and their counts, by sorting (values too large to bin)."""
    values = np.asarray(values, dtype=np.int64)
    keys, counts = np.unique(values[values >= 0], return_counts=True)
    return keys.astype(np.int64), counts.astype(np.int64)


def engine_counts(values: dict[str, dict[Any, int]], vocab: Vocabulary) -> PartitionFacets:
    """:meth:`~index.serving.partition.Partition.facets` (Tantivy's aggregations, keys as
    shown) encoded as :class:`FacetCounts`."""
    out: PartitionFacets = {}
    for f, counts in values.items():
        n = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        if f in RANGE_FACETS:
            where = {k: i for i, k in enumerate(_bucket_keys(f))}
            full = np.zeros(len(where), dtype=np.int64)
            for key, c in counts.items():
                full[where[key]] += c
            out[f] = FacetCounts(np.arange(len(where), dtype=np.int64), full)
            continue
        if f in _CODED:
            keys = vocab.codes(_CODED[f], [str(k) for k in counts]).astype(np.int64)
        else:
            keys = np.fromiter((int(k) for k in counts), dtype=np.int64, count=len(counts))
        known = keys >= 0
        out[f] = FacetCounts(keys[known], n[known])
    return out


def scaled_counts(counts: PartitionFacets, matches: int, sampled: int) -> PartitionFacets:
    """Counts of a sample of ``sampled`` of ``matches`` matches scaled to all of them (an
    estimate: the sample is the partition's top matches by BM25, not a random one)."""
    factor = matches / sampled if sampled else 0.0
    out: PartitionFacets = {}
    for f, c in counts.items():
        held = c.counts > 0
        out[f] = FacetCounts(c.keys[held],
                             np.maximum(1, np.rint(c.counts[held] * factor)).astype(np.int64))
    return out


def merge_counts(parts: Iterable[PartitionFacets]) -> PartitionFacets:
    """The partitions' counts summed per field and key."""
    by_field: dict[str, list[FacetCounts]] = {}
    for part in parts:
        for f, c in part.items():
            by_field.setdefault(f, []).append(c)
    out: PartitionFacets = {}
    for f, items in by_field.items():
        if len(items) == 1:
            out[f] = items[0]
            continue
        keys = np.concatenate([c.keys for c in items])
        counts = np.concatenate([c.counts for c in items])
        if len(keys) and 0 <= int(keys.min()) and int(keys.max()) < _BINCOUNT_LIMIT:
            total = np.bincount(keys, weights=counts)
            held = np.flatnonzero(total) if f not in RANGE_FACETS else np.arange(len(total))
            out[f] = FacetCounts(held.astype(np.int64), np.rint(total[held]).astype(np.int64))
            continue
        keys, inverse = np.unique(keys, return_inverse=True)
        total = np.bincount(inverse, weights=counts, minlength=len(keys))
        out[f] = FacetCounts(keys, np.rint(total).astype(np.int64))
    return out


def facet_values(counts: PartitionFacets, vocab: Vocabulary, size: int = 100
                 ) -> dict[str, dict[Any, int]]:
    """Per field, shown key -> count for the ``size`` largest counts, largest first (ties: by
    the key's text), keys as :meth:`~index.serving.partition.Partition.facets` gives them
    (range facets: every bucket)."""
    out: dict[str, dict[Any, int]] = {}
    for f, c in counts.items():
        if f in RANGE_FACETS:
            shown = _bucket_keys(f)
            items = [(shown[int(k)], int(n)) for k, n in zip(c.keys.tolist(), c.counts.tolist())]
        else:
            keep = np.arange(len(c))
            if len(c) > size:  # every key tied with the size-th count, then cut by text below
                cut = np.partition(c.counts, len(c) - size)[len(c) - size]
                keep = np.flatnonzero(c.counts >= cut)
            keys, n = c.keys[keep].tolist(), c.counts[keep].tolist()
            if f in _CODED:
                kind = _CODED[f]
                items = [(vocab.term(kind, k), v) for k, v in zip(keys, n)]
            elif f in _FLAGS:
                items = [(bool(k), v) for k, v in zip(keys, n)]
            else:
                items = list(zip(keys, n))
        items.sort(key=lambda kv: (-kv[1], str(kv[0])))
        out[f] = {k: v for k, v in items[:size] if v or f in RANGE_FACETS}
    return out
