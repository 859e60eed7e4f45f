"""Bootstrap confidence intervals over queries, and paired bootstrap for lifts.

Inputs are per-query values (``nan`` where the metric is undefined for that query); every
resample draws queries with replacement and averages the defined values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

DEFAULT_RESAMPLES = 1000


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its (1 - alpha) percentile interval over ``n`` queries."""

    value: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _indices(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def bootstrap_mean(values: ArrayLike, *, resamples: int = DEFAULT_RESAMPLES, alpha: float = 0.05,
                   seed: int = 0) -> Estimate:
    """Mean of the defined per-query values with a percentile bootstrap interval."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    means = v[_indices(v.size, resamples, seed)].mean(axis=1)
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return Estimate(float(v.mean()), float(lo), float(hi), int(v.size))


def paired_lift(treatment: ArrayLike, control: ArrayLike, *, relative: bool = True,
                resamples: int = DEFAULT_RESAMPLES, alpha: float = 0.05, seed: int = 0) -> Estimate:
    """Lift of ``treatment`` over ``control`` measured on the same queries (paired resamples).

    Only queries where both are defined count. ``relative``: mean(t) / mean(c) - 1, else the
    difference of means. ``nan`` when the control mean is 0 in a relative lift.
    """
    t = np.asarray(treatment, dtype=np.float64)
    c = np.asarray(control, dtype=np.float64)
    if t.shape != c.shape:
        raise ValueError("paired lift needs per-query values on the same queries")
    keep = ~(np.isnan(t) | np.isnan(c))
    t, c = t[keep], c[keep]
    if t.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    idx = _indices(t.size, resamples, seed)
    mt, mc = t[idx].mean(axis=1), c[idx].mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if relative:
            point = t.mean() / c.mean() - 1.0 if c.mean() != 0 else float("nan")
            draws = mt / mc - 1.0
        else:
            point = t.mean() - c.mean()
            draws = mt - mc
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return Estimate(float(point), float("nan"), float("nan"), int(t.size))
    lo, hi = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    return Estimate(float(point), float(lo), float(hi), int(t.size))


def bootstrap_pooled(probs: ArrayLike, labels: ArrayLike, groups: ArrayLike, *,
                     resamples: int = 200,
                     alpha: float = 0.05, seed: int = 0) -> dict[str, Estimate]:
    """AUC, log loss and ECE over all items, with CIs from resampling whole queries (``groups``)."""
    from talent.ranking.metrics import auc, expected_calibration_error, log_loss

    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels)
    g = np.asarray(groups)
    fns = {"auc": auc, "log_loss": log_loss, "ece": expected_calibration_error}
    if p.size == 0:
        return {k: Estimate(float("nan"), float("nan"), float("nan"), 0) for k in fns}
    _, inverse = np.unique(g, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    n_groups = counts.size
    draws: dict[str, list[float]] = {k: [] for k in fns}
    rng = np.random.default_rng(seed)
    for _ in range(resamples):
        pick = rng.integers(0, n_groups, n_groups)
        idx = order[np.repeat(starts[pick], counts[pick]) + _ragged_arange(counts[pick])]
        for k, fn in fns.items():
            draws[k].append(fn(p[idx], y[idx]))
    out = {}
    for k, fn in fns.items():
        d = np.asarray(draws[k])
        d = d[np.isfinite(d)]
        lo, hi = (np.quantile(d, [alpha / 2, 1 - alpha / 2]) if d.size
                  else (float("nan"), float("nan")))
        out[k] = Estimate(float(fn(p, y)), float(lo), float(hi), int(n_groups))
    return out


def _ragged_arange(counts: np.ndarray) -> np.ndarray:
    """Concatenation of arange(c) for each c in counts."""
    total = int(counts.sum())
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return np.arange(total) - np.repeat(starts, counts)
