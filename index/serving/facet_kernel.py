"""Facet counts over a partition's matches, compiled (numba): one pass over a column in place.

:func:`index.serving.facets.forward_counts` counted each facet field by gathering the matches'
column into a new array, filtering it and counting it with ``np.bincount``: eight fields, a
dozen array passes each, holding the GIL between them (~0.35 ms a partition of 2,000 matches at
1M profiles). These loops read the forward store's arrays in place (``rows``: each match's row
in them; ``found[i]`` False: match ``i`` is not counted) and release the GIL. Their counts are
``np.bincount``'s (ascending keys, non-negative values only), made in a table as long as the
largest value, or by sorting when a value is past ``limit`` (metro ids run into the millions).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _nonzero(counts):  # pragma: no cover - compiled
    keys = np.flatnonzero(counts).astype(np.int64)
    return keys, counts[keys]


@njit(cache=True, nogil=True)
def _sorted(values):  # pragma: no cover - compiled
    """(keys, counts) of ``values`` by sorting (ascending keys, values >= 0 only)."""
    values = np.sort(values)
    keys = np.empty(len(values), dtype=np.int64)
    counts = np.zeros(len(values), dtype=np.int64)
    k = -1
    for v in values:
        if v < 0:
            continue
        if k < 0 or keys[k] != v:
            k += 1
            keys[k] = v
        counts[k] += 1
    return keys[:k + 1].copy(), counts[:k + 1].copy()


@njit(cache=True, nogil=True)
def column_counts(values, rows, found, limit):  # pragma: no cover - compiled
    """(keys, counts) of ``values[rows[i]]`` over found ``i``, values >= 0 only: counted in a
    table when every value is below ``limit``, else by sorting."""
    held = np.empty(len(rows), dtype=np.int64)
    m = 0
    high = np.int64(-1)
    for i in range(len(rows)):
        if found[i]:
            v = np.int64(values[rows[i]])
            held[m] = v
            m += 1
            high = max(high, v)
    if high >= limit:
        return _sorted(held[:m])
    counts = np.zeros(high + 1, dtype=np.int64)
    for v in held[:m]:
        if v >= 0:
            counts[v] += 1
    return _nonzero(counts)


@njit(cache=True, nogil=True)
def row_counts(indptr, indices, rows, found, limit):  # pragma: no cover - compiled
    """(keys, counts) of every value in CSR rows ``rows[i]`` over found ``i``, values >= 0
    only: counted in a table when every value is below ``limit``, else by sorting."""
    high = np.int64(-1)
    for i in range(len(rows)):  # a first pass finds the table's size (and caches the rows)
        if found[i]:
            r = rows[i]
            for j in range(indptr[r], indptr[r + 1]):
                high = max(high, np.int64(indices[j]))
    if high >= limit:
        return _sorted(_row_values(indptr, indices, rows, found))
    counts = np.zeros(high + 1, dtype=np.int64)
    for i in range(len(rows)):
        if found[i]:
            r = rows[i]
            for j in range(indptr[r], indptr[r + 1]):
                v = np.int64(indices[j])
                if v >= 0:
                    counts[v] += 1
    return _nonzero(counts)


@njit(cache=True, nogil=True)
def _row_values(indptr, indices, rows, found):  # pragma: no cover - compiled
    total = 0
    for i in range(len(rows)):
        if found[i]:
            total += indptr[rows[i] + 1] - indptr[rows[i]]
    out = np.empty(total, dtype=np.int64)
    m = 0
    for i in range(len(rows)):
        if found[i]:
            r = rows[i]
            for j in range(indptr[r], indptr[r + 1]):
                out[m] = np.int64(indices[j])
                m += 1
    return out


@njit(cache=True, nogil=True)
def bucket_counts(values, rows, found, edges):  # pragma: no cover - compiled
    """Counts per bucket of ``values[rows[i]]`` over found ``i``: bucket ``b`` holds
    ``edges[b - 1] <= value < edges[b]`` (``np.searchsorted(edges, value, side="right")``)."""
    counts = np.zeros(len(edges) + 1, dtype=np.int64)
    for i in range(len(rows)):
        if found[i]:
            counts[np.searchsorted(edges, np.float64(values[rows[i]]), side="right")] += 1
    return counts


@njit(cache=True, nogil=True)
def true_count(values, rows, found):  # pragma: no cover - compiled
    """(found members, how many of them hold a true ``values[rows[i]]``)."""
    members = 0
    held = 0
    for i in range(len(rows)):
        if found[i]:
            members += 1
            if values[rows[i]]:
                held += 1
    return members, held
