"""Facet counts over a partition's matches, compiled (numba): one pass over a column in place.

:func:`index.serving.facets.forward_counts` counted each facet field by gathering the matches'
column into a new array, filtering it and counting it with ``np.bincount``: eight fields, a
dozen array passes each, holding the GIL between them (~0.35 ms a partition of 2,000 matches at
1M profiles). These loops read the forward store's arrays in place (``rows``: each match's row
in them; ``found[i]`` False: match ``i`` is not counted) and release the GIL. Their counts are
``np.bincount``'s (ascending keys, non-negative values only), made in a table as long as the
largest value; a value past ``limit`` makes them give up (``ok`` False) and the caller counts
that field by sorting (metro ids run into the millions). The loops are kept plain (no sort, no
search) so that compiling them takes about a second.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _nonzero(counts):  # pragma: no cover - compiled
    keys = np.flatnonzero(counts).astype(np.int64)
    return keys, counts[keys]


@njit(cache=True, nogil=True)
def column_counts(values, rows, found, limit):  # pragma: no cover - compiled
    """(keys, counts, ok) of ``values[rows[i]]`` over found ``i``, values >= 0 only; ``ok``
    False (nothing counted) when a value is ``limit`` or more."""
    high = np.int64(-1)
    for i in range(len(rows)):
        if found[i]:
            high = max(high, np.int64(values[rows[i]]))
    if high >= limit:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), False
    counts = np.zeros(high + 1, dtype=np.int64)
    for i in range(len(rows)):
        if found[i]:
            v = np.int64(values[rows[i]])
            if v >= 0:
                counts[v] += 1
    keys, n = _nonzero(counts)
    return keys, n, True


@njit(cache=True, nogil=True)
def row_counts(indptr, indices, rows, found, limit):  # pragma: no cover - compiled
    """(keys, counts, ok) of every value in CSR rows ``rows[i]`` over found ``i``, values >= 0
    only; ``ok`` False (nothing counted) when a value is ``limit`` or more."""
    high = np.int64(-1)
    for i in range(len(rows)):  # a first pass finds the table's size (and caches the rows)
        if found[i]:
            r = rows[i]
            for j in range(indptr[r], indptr[r + 1]):
                high = max(high, np.int64(indices[j]))
    if high >= limit:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), False
    counts = np.zeros(high + 1, dtype=np.int64)
    for i in range(len(rows)):
        if found[i]:
            r = rows[i]
            for j in range(indptr[r], indptr[r + 1]):
                v = np.int64(indices[j])
                if v >= 0:
                    counts[v] += 1
    keys, n = _nonzero(counts)
    return keys, n, True


@njit(cache=True, nogil=True)
def bucket_counts(values, rows, found, edges):  # pragma: no cover - compiled
    """Counts per bucket of ``values[rows[i]]`` over found ``i``: bucket ``b`` holds
    ``edges[b - 1] <= value < edges[b]`` (``np.searchsorted(edges, value, side="right")``)."""
    counts = np.zeros(len(edges) + 1, dtype=np.int64)
    for i in range(len(rows)):
        if found[i]:
            v = np.float64(values[rows[i]])
            b = 0
            while b < len(edges) and edges[b] <= v:  # a few sorted edges: a linear search
                b += 1
            counts[b] += 1
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
