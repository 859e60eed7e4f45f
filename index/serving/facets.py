"""Facet counts from the forward store, for a partition whose every match was retrieved.

Counting facets with a Tantivy aggregation evaluates the query a second time over the shard;
when retrieval already returned every match (the common case: most recruiter queries match
fewer documents per partition than the retrieval depth), the matches' forward-store rows,
gathered for the L1 features anyway, hold every facet value, and counting them is a few numpy
calls. The counts are the aggregation's, value for value (a test checks both ways agree on many
queries); a partition with more matches than it retrieved uses the aggregation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from index.forward import ForwardBatch
from index.serving.partition import RANGE_FACETS
from index.vocab import Vocabulary

#: facet field -> forward-store column (ids; -1 means none) for the single-valued integer facets.
_INT_COLUMNS = {"company_id": "company", "metro_id": "metro", "industry_id": "industry",
                "seniority": "seniority"}


def _top(values: np.ndarray, counts: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``size`` most frequent values (ties: smaller value first), most frequent first."""
    order = np.lexsort((values, -counts))[:size]
    return values[order], counts[order]


#: Values below this are counted with ``np.bincount`` (linear), larger ones by sorting.
_BINCOUNT_LIMIT = 1 << 20


def _value_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-negative values and how often each occurs (ascending values)."""
    values = values[values >= 0]
    if len(values) and int(values.max()) < _BINCOUNT_LIMIT:
        counts = np.bincount(values)
        uniq = np.flatnonzero(counts)
        return uniq, counts[uniq]
    return np.unique(values, return_counts=True)


def _int_counts(values: np.ndarray, size: int) -> dict[Any, int]:
    uniq, counts = _top(*_value_counts(values), size)
    return {int(v): int(n) for v, n in zip(uniq.tolist(), counts.tolist())}


def _coded_counts(codes: np.ndarray, vocab: Vocabulary, kind: str, size: int) -> dict[Any, int]:
    uniq, counts = _top(*_value_counts(codes), size)
    return {vocab.term(kind, int(c)): int(n) for c, n in zip(uniq.tolist(), counts.tolist())}


def _range_counts(values: np.ndarray, edges: tuple[float, ...]) -> dict[Any, int]:
    """Counts per ``(lower, upper)`` bucket, lower bound inclusive, as Tantivy's range
    aggregation."""
    bins = np.searchsorted(np.asarray(edges, dtype=np.float64), values.astype(np.float64),
                           side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1)
    lows: list[float | None] = [None, *edges]
    highs: list[float | None] = [*edges, None]
    return {(lo, hi): int(n) for lo, hi, n in zip(lows, highs, counts.tolist())}


def scaled_facets(counts: dict[str, dict[Any, int]], matches: int, sampled: int
                  ) -> dict[str, dict[Any, int]]:
    """Counts of a sample of ``sampled`` of ``matches`` matches scaled to all of them (an
    estimate: the sample is the partition's top matches by BM25, not a random one)."""
    factor = matches / sampled if sampled else 0.0
    return {f: {v: max(1, round(n * factor)) for v, n in values.items() if n}
            for f, values in counts.items()}


def forward_facets(batch: ForwardBatch, fields: Iterable[str], vocab: Vocabulary, size: int = 100
                   ) -> dict[str, dict[Any, int]]:
    """Per field, value -> number of the batch's members holding it (the members must be every
    match).

    Keys and value types are those of :meth:`index.serving.partition.Partition.facets`.
    """
    found = batch.found
    cols = batch.columns
    out: dict[str, dict[Any, int]] = {}
    for f in fields:
        if f in RANGE_FACETS:
            out[f] = _range_counts(cols["years_experience"][found], RANGE_FACETS[f])
        elif f in _INT_COLUMNS:
            out[f] = _int_counts(cols[_INT_COLUMNS[f]][found].astype(np.int64), size)
        elif f == "title_id":
            out[f] = _coded_counts(cols["occupation"][found].astype(np.int64), vocab, "occupation",
                                   size)
        elif f == "skill_ids":  # a member holds a skill once: one code per (member, skill)
            skills = batch.csr["skills"]
            codes = skills.indices
            if not found.all():
                owner = np.repeat(np.arange(len(found)), np.diff(skills.indptr))
                codes = codes[found[owner]]
            out[f] = _coded_counts(codes.astype(np.int64), vocab, "skill", size)
        elif f in ("open_to_work", "willing_to_relocate"):
            flags = cols[f][found].astype(bool)
            n_true = int(flags.sum())
            out[f] = {v: n for v, n in ((True, n_true), (False, int(flags.size - n_true))) if n > 0}
        else:
            raise KeyError(f"no forward-store column for facet {f!r}")
    return out
