"""Ranking and probability metrics for one query, tie-aware.

Ranking metrics take ``scores`` (higher ranks first) and ``labels``/``gains`` of the same
items. Tied scores are treated as a uniformly random order among the tied items, and each
metric returns its *expected* value under that order (so a constant scorer is not flattered
or punished by the input order). ``k`` larger than the list counts the missing positions as
misses (precision@k divides by ``k``). Metrics that are undefined for a query (NDCG or MRR
without any positive item) return ``nan``; aggregate with ``nanmean``.
"""

from __future__ import annotations

from math import comb

import numpy as np
from numpy.typing import ArrayLike

# graded gains of logged outcomes: accept > InMail > save > view > shown
GAIN_ACCEPT, GAIN_INMAIL, GAIN_SAVE, GAIN_VIEW, GAIN_SHOWN = 4, 3, 2, 1, 0
#: The cut-offs k every ranking report uses (precision@k, NDCG@k): training's validation and the
#: evaluation's ladder alike.
CUTOFFS: tuple[int, ...] = (5, 10, 25)


def _tie_groups(scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(order by descending score, group id per ranked position)."""
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="stable")
    sorted_s = s[order]
    group = (np.concatenate([[0], np.cumsum(sorted_s[1:] != sorted_s[:-1])]) if s.size
             else np.zeros(0, dtype=int))
    return order, group


def expected_gains(scores: ArrayLike, gains: ArrayLike) -> np.ndarray:
    """Expected gain at each ranked position: the mean gain of the tie group covering it."""
    g = np.asarray(gains, dtype=np.float64)
    if g.size == 0:
        return g
    order, group = _tie_groups(scores)
    ranked = g[order]
    sums = np.bincount(group, weights=ranked)
    counts = np.bincount(group)
    return (sums / counts)[group]


def precision_at_k(scores: ArrayLike, labels: ArrayLike, k: int) -> float:
    """Expected fraction of the top ``k`` that are positive (binary labels); 0.0 for an empty
    list."""
    if k <= 0:
        raise ValueError("k must be positive")
    eg = expected_gains(scores, (np.asarray(labels) > 0).astype(np.float64))
    return float(eg[:k].sum() / k)


def dcg_at_k(ranked_gains: ArrayLike, k: int) -> float:
    """DCG of gains already in rank order: sum of (2^g - 1) / log2(position + 1), positions from
    1."""
    g = np.asarray(ranked_gains, dtype=np.float64)[:k]
    return float(((np.power(2.0, g) - 1.0) / np.log2(np.arange(2, g.size + 2))).sum())


def ndcg_at_k(scores: ArrayLike, gains: ArrayLike, k: int) -> float:
    """Expected DCG@k over tie orders / ideal DCG@k (``nan`` when no item has a positive gain).

    Uses exponential gain ``2^g - 1``; expected DCG under random tie order is exact because the
    expectation of each position's ``2^g - 1`` is the group mean of ``2^g - 1``.
    """
    g = np.asarray(gains, dtype=np.float64)
    if k <= 0:
        raise ValueError("k must be positive")
    ideal = dcg_at_k(np.sort(g)[::-1], k)
    if ideal <= 0:
        return float("nan")
    util = np.power(2.0, g) - 1.0
    eu = expected_gains(scores, util)[:k]
    dcg = float((eu / np.log2(np.arange(2, eu.size + 2))).sum())
    return dcg / ideal


def reciprocal_rank(scores: ArrayLike, labels: ArrayLike) -> float:
    """Expected 1 / rank of the first positive item over tie orders (``nan`` without positives)."""
    pos = (np.asarray(labels) > 0)
    if not pos.any():
        return float("nan")
    order, group = _tie_groups(scores)
    ranked = pos[order]
    first = int(np.flatnonzero(ranked)[0])
    g = group[first]
    members = np.flatnonzero(group == g)
    start, n = int(members[0]), members.size
    r = int(ranked[members].sum())
    # P(first positive of the group sits at offset j) = C(n - j, r - 1) / C(n, r), j = 1..n-r+1
    total = comb(n, r)
    return float(sum(comb(n - j, r - 1) / total / (start + j) for j in range(1, n - r + 2)))


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, bins: int = 10) -> float:
    """ECE with equal-width bins: sum over bins of (share of items) x |mean prob - positive
    rate|."""
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if p.size == 0:
        return float("nan")
    idx = np.minimum((p * bins).astype(int), bins - 1)
    counts = np.bincount(idx, minlength=bins)
    psum = np.bincount(idx, weights=p, minlength=bins)
    ysum = np.bincount(idx, weights=y, minlength=bins)
    nz = counts > 0
    return float((np.abs(psum[nz] - ysum[nz]) / p.size).sum())


def calibration_curve(probs: ArrayLike, labels: ArrayLike,
                      bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean predicted, observed rate, count) per non-empty equal-width bin."""
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    counts = np.bincount(idx, minlength=bins)
    nz = counts > 0
    psum = np.bincount(idx, weights=p, minlength=bins)
    ysum = np.bincount(idx, weights=y, minlength=bins)
    return psum[nz] / counts[nz], ysum[nz] / counts[nz], counts[nz]


def auc(probs: ArrayLike, labels: ArrayLike) -> float:
    """ROC AUC (ties count one half); ``nan`` when only one class is present."""
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

    y = np.asarray(labels)
    if y.size == 0 or y.min() == y.max():
        return float("nan")
    return float(roc_auc_score(y, np.asarray(probs, dtype=np.float64)))


def log_loss(probs: ArrayLike, labels: ArrayLike, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy with probabilities clipped to [eps, 1 - eps]."""
    p = np.clip(np.asarray(probs, dtype=np.float64), eps, 1 - eps)
    y = np.asarray(labels, dtype=np.float64)
    if p.size == 0:
        return float("nan")
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())
