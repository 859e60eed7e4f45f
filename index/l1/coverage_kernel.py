"""The text-coverage loop compiled (numba): one pass over the candidates' token rows per field.

:func:`index.l1.coverage.text_coverage` in numpy gathers every candidate's tokens of a field into
a new array, looks them up, sorts the hits to drop repeats and sums them with ``bincount``: a
dozen array passes over ~64k codes per partition, holding the GIL between them. This loop reads
the memory-mapped token rows in place, marks the query tokens each candidate holds and sums their
weights in the same order and precision as the numpy code (float64 within a run of
:data:`~index.l1.coverage.PAIRS_PER_SUM` pairs, float32 across runs), so the features are equal
value for value; it releases the GIL, so the partitions' threads run it side by side.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _mark(indptr, indices, row, table, seen):  # pragma: no cover - compiled
    """Mark in ``seen`` the query tokens (``table[code] - 1``) of one stored row; any held?"""
    held = False
    last = len(table) - 1
    for j in range(indptr[row], indptr[row + 1]):
        code = np.int64(indices[j])
        # the numpy path's take(mode="clip"): codes past the table read its last entry (0)
        hit = table[min(max(code, 0), last)]
        if hit:
            seen[hit - 1] = True
            held = True
    return held


@njit(cache=True, nogil=True)
def field_coverage(base_indptr, base_indices, base_rows, over_indptr, over_indices, over_rows,
                   order, table, pairs, weights, pairs_per_sum, out, column):  # pragma: no cover
    """Write into ``out[:, column]`` each candidate's share of one field's query tokens.

    Candidate ``i``'s tokens are row ``base_rows[i]`` of the base table followed by row
    ``over_rows[i]`` of the live overlay (``-1``: none; ``over_rows`` may be empty: no overlay).
    ``table``: token code -> 1 + the token's position in ``pairs``/``weights`` (0: not a query
    token); ``pairs``: each token's position among all the plan's (field, token) pairs, ascending.
    """
    k = len(weights)
    seen = np.zeros(k, dtype=np.bool_)
    with_overlay = len(over_rows) > 0
    for i in order:
        held = False
        if base_rows[i] >= 0:
            held = _mark(base_indptr, base_indices, base_rows[i], table, seen)
        if with_overlay and over_rows[i] >= 0:
            held = _mark(over_indptr, over_indices, over_rows[i], table, seen) or held
        if not held:
            continue
        total = np.float32(0.0)
        run = np.float64(0.0)
        group = -1
        for t in range(k):
            if not seen[t]:
                continue
            seen[t] = False
            g = pairs[t] // pairs_per_sum
            if g != group:
                if group >= 0:
                    total = np.float32(total + np.float32(run))
                run = np.float64(0.0)
                group = g
            run += weights[t]
        total = np.float32(total + np.float32(run))
        out[i, column] = min(total, np.float32(1.0))


def compile_for(base_indptr: np.ndarray, base_indices: np.ndarray, over_indptr: np.ndarray,
                over_indices: np.ndarray) -> None:
    """Compile the loop for token rows of these types now (about a second the first time a
    process meets them, unless numba's cache has them), not in a recruiter's first search."""
    rows = np.zeros(0, dtype=np.int64)
    out = np.zeros((0, 1), dtype=np.float32)
    for table in (np.zeros(1, dtype=np.uint8), np.zeros(1, dtype=np.int32)):
        field_coverage(base_indptr, base_indices, rows, over_indptr, over_indices, rows, rows,
                       table, rows, np.zeros(0, dtype=np.float64), 1, out, 0)
