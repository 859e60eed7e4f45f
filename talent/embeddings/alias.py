"""Walker's alias method: O(1) draws from a fixed discrete distribution.

The table is built with Vose's pairing of under- and over-full buckets, done in vectorized rounds:
in each round every over-full bucket (a "large") hands mass to the under-full ones (the
"smalls") whose cumulative deficit starts inside its cumulative surplus, so one large may fill
many smalls at once (``searchsorted``); a large that gave more than its surplus becomes a small
for the next round. Each bucket ends with at most two outcomes (itself with ``accept``, else its
``alias``), as in the sequential algorithm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class AliasTable:
    """A sampler of indexes ``0..n-1`` with probability proportional to the given weights."""

    accept: np.ndarray  # float64: probability of keeping the bucket's own index
    alias: np.ndarray   # int64: the other index of the bucket

    @classmethod
    def build(cls, weights: np.ndarray) -> AliasTable:
        """The table of non-negative ``weights`` (at least one positive)."""
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or len(w) == 0:
            raise ValueError("an alias table needs a non-empty 1-d array of weights")
        if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise ValueError("alias weights must be finite, non-negative and not all zero")
        n = len(w)
        q = w * (n / w.sum())
        accept = np.ones(n, dtype=np.float64)
        alias = np.arange(n, dtype=np.int64)
        small = np.flatnonzero(q < 1.0)
        large = np.flatnonzero(q >= 1.0)
        for _ in range(_MAX_ROUNDS):
            if not len(small) or not len(large):
                break
            deficit = 1.0 - q[small]
            surplus = q[large] - 1.0
            start = np.concatenate([[0.0], np.cumsum(deficit)[:-1]])
            ends = np.cumsum(surplus)
            # small k is filled by the large whose surplus interval holds where its deficit starts
            owner = np.searchsorted(ends, start, side="right")
            served = owner < len(large)
            filled = small[served]
            accept[filled] = q[filled]
            alias[filled] = large[owner[served]]
            given = np.bincount(owner[served], weights=deficit[served], minlength=len(large))
            q[large] -= given
            small = np.concatenate([small[~served], large[q[large] < 1.0]])
            large = large[q[large] >= 1.0]
        # what is left is full up to rounding
        rest = np.concatenate([small, large])
        accept[rest] = 1.0
        alias[rest] = rest
        np.clip(accept, 0.0, 1.0, out=accept)
        return cls(accept, alias)

    def __len__(self) -> int:
        return len(self.accept)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` indexes drawn independently (int64)."""
        bucket = rng.integers(0, len(self.accept), size=size)
        keep = rng.random(size) < self.accept[bucket]
        return np.where(keep, bucket, self.alias[bucket])

    def probabilities(self) -> np.ndarray:
        """The distribution the table draws from (for checks)."""
        n = len(self.accept)
        p = self.accept / n
        return p + np.bincount(self.alias, weights=(1.0 - self.accept) / n, minlength=n)
