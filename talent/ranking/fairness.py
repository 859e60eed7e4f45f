"""Representativeness of a ranking against a desired group distribution (Geyik et al., KDD 2019).

Groups are small integer codes (which attribute they stand for is not this module's business);
``desired`` is each group's share of the qualified pool, summing to 1.

- ``Skew_i@k = ln(share_i@k / p_i)``, smoothed: both distributions add one pseudo-count per
  group (``(count + 1) / (k + G)`` against ``(n_i + 1) / (N + G)`` for a pool of ``N`` members,
  ``n_i`` of group ``i``; ``G`` the groups with a positive share; without a pool size, ``p_i``
  itself), so a group missing from a short prefix has a finite skew, a top k that is the whole
  pool has skew 0, and a prefix that meets every minimum ``floor(p_i k)`` has a MinSkew@25 of
  about -0.11 or more. Groups with a desired share of 0 have no skew.
- ``MinSkew@k`` / ``MaxSkew@k``: the most under- and over-represented group.
- ``NDKL``: the KL divergence of each prefix's distribution from the desired one, discounted by
  ``1 / log2(k + 1)`` and normalized by the sum of the discounts (0: every prefix as desired).
- ``InfeasibleIndex@k``: prefixes ``1..k`` where some group is below its minimum
  ``floor(p_i k)``; ``InfeasibleCount@k``: the (prefix, group) pairs below it.
- ``NDCG kept``: DCG@k of the re-ranked list over DCG@k of the unconstrained one, with the
  unconstrained scores min-max scaled to [0, 1] as gains (1: nothing lost).
- A ranking is *representative* at k when ``MinSkew@k >= -0.1``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

#: MinSkew@k at or above this: the top k represents the pool (LinkedIn's yardstick).
REPRESENTATIVE_MIN_SKEW = -0.1
SKEW_PSEUDOCOUNT = 1.0
_KL_FLOOR = 1e-12
_EPS = 1e-9


def prefix_counts(groups: np.ndarray, n_groups: int, k: int) -> np.ndarray:
    """``(k', n_groups)`` counts of each group in every prefix 1..k' (``k' = min(k, n)``)."""
    g = np.asarray(groups, dtype=np.int64)[:k]
    onehot = np.zeros((len(g), n_groups), dtype=np.int64)
    onehot[np.arange(len(g)), g] = 1
    return np.cumsum(onehot, axis=0)


def skews_at_k(groups: np.ndarray, desired: np.ndarray, k: int, pool_size: int | None = None,
               pseudocount: float = SKEW_PSEUDOCOUNT) -> np.ndarray:
    """Smoothed Skew@k of every group (``nan`` for groups with a desired share of 0);
    ``pool_size``: how many members the desired shares were counted from (None: exact shares)."""
    p = np.asarray(desired, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)[:k]
    counts = np.bincount(g, minlength=len(p)).astype(np.float64)
    present = p > 0
    n_present = int(present.sum())
    share = (counts + pseudocount) / (len(g) + pseudocount * n_present)
    if pool_size is not None:
        p = (p * pool_size + pseudocount) / (pool_size + pseudocount * n_present)
    out = np.full(len(p), np.nan)
    out[present] = np.log(share[present] / p[present])
    return out


def ndkl(groups: np.ndarray, desired: np.ndarray, k: int | None = None) -> float:
    """Normalized discounted cumulative KL divergence of the first ``k`` places (all: None)."""
    p = np.maximum(np.asarray(desired, dtype=np.float64), _KL_FLOOR)
    n = len(groups) if k is None else min(k, len(groups))
    if n == 0:
        return 0.0
    counts = prefix_counts(groups, len(p), n).astype(np.float64)
    shares = counts / np.arange(1, n + 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(shares > 0, shares * np.log(shares / p), 0.0)
    kl = terms.sum(axis=1)
    discount = 1.0 / np.log2(np.arange(2, n + 2))
    return float((discount * kl).sum() / discount.sum())


def ndkl_floor(supply: np.ndarray, desired: np.ndarray, k: int) -> float:
    """The smallest NDKL of the first ``k`` places that any order of a list holding
    ``supply[i]`` candidates of group ``i`` can reach (the first places cannot match a mix of
    groups: one candidate is one group). Dynamic programming over the prefixes' group counts:
    for a few groups and a page-sized ``k``."""
    p = np.maximum(np.asarray(desired, dtype=np.float64), _KL_FLOOR)
    stock = [int(x) for x in np.asarray(supply)]
    n = min(k, sum(stock))
    if n == 0:
        return 0.0
    log_p = np.log(p).tolist()
    discount = [1.0 / math.log2(t + 1) for t in range(1, n + 1)]
    best: dict[tuple[int, ...], float] = {tuple([0] * len(stock)): 0.0}
    for t in range(1, n + 1):
        reached: dict[tuple[int, ...], float] = {}
        for counts, cost in best.items():
            for i, have in enumerate(counts):
                if have < stock[i]:
                    nxt = counts[:i] + (have + 1,) + counts[i + 1:]
                    if nxt not in reached or cost < reached[nxt]:
                        reached[nxt] = cost
        best = {}
        for counts, cost in reached.items():
            kl = sum((c / t) * (math.log(c / t) - log_p[i]) for i, c in enumerate(counts) if c)
            best[counts] = cost + discount[t - 1] * kl
    return float(min(best.values()) / sum(discount))


def infeasible(groups: np.ndarray, desired: np.ndarray, k: int) -> tuple[int, int]:
    """(InfeasibleIndex@k, InfeasibleCount@k): prefixes, and (prefix, group) pairs, below a
    minimum."""
    p = np.asarray(desired, dtype=np.float64)
    n = min(k, len(groups))
    if n == 0:
        return 0, 0
    counts = prefix_counts(groups, len(p), n)
    floors = np.floor(np.arange(1, n + 1)[:, None] * p[None, :] + _EPS)
    below = counts < floors
    return int(below.any(axis=1).sum()), int(below.sum())


def ndcg_kept(scores: np.ndarray, order: np.ndarray, k: int) -> float:
    """DCG@k of ``order`` (positions into the unconstrained list) over the unconstrained list's
    DCG@k, gains = its ``scores`` min-max scaled to [0, 1] (1.0 when they are all equal)."""
    s = np.asarray(scores, dtype=np.float64)
    n = min(k, len(s))
    if n == 0:
        return 1.0
    span = float(s.max() - s.min())
    if span <= 0:
        return 1.0
    gains = (s - s.min()) / span
    discount = 1.0 / np.log2(np.arange(2, n + 2))
    ideal = float((gains[:n] * discount).sum())
    if ideal <= 0:
        return 1.0
    return float((gains[np.asarray(order, dtype=np.int64)[:n]] * discount).sum() / ideal)


@dataclass(frozen=True)
class Representativeness:
    """Aggregate figures of one ranking at one cut-off (no group is named)."""

    k: int
    min_skew: float
    max_skew: float
    ndkl: float
    infeasible_index: int
    infeasible_count: int

    @property
    def representative(self) -> bool:
        return self.min_skew >= REPRESENTATIVE_MIN_SKEW

    def as_dict(self) -> dict[str, float | int | bool]:
        return {**asdict(self), "representative": self.representative}


def representativeness(groups: np.ndarray, desired: np.ndarray, k: int,
                       pool_size: int | None = None) -> Representativeness:
    """MinSkew@k, MaxSkew@k, NDKL@k and the infeasibility of a ranking's first ``k`` places
    (``pool_size``: see :func:`skews_at_k`)."""
    skews = skews_at_k(groups, desired, k, pool_size)
    finite = skews[~np.isnan(skews)]
    index, count = infeasible(groups, desired, k)
    return Representativeness(k, float(finite.min()) if finite.size else 0.0,
                              float(finite.max()) if finite.size else 0.0,
                              ndkl(groups, desired, k), index, count)
