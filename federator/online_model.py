"""The session's online learner: which few skills make a candidate a good fit, from the verdicts.

A recruiter reviewing a job usually wants candidates who hold a few particular skills; which ones,
the verdicts tell. The learner is Bayesian model averaging over **sparse skill sets**: a
hypothesis is a set ``S`` of at most :attr:`OnlineModelConfig.max_set` (2) of the pool's skills,
and under it a candidate is a good fit with probability

    sigmoid(a + b * share of S held + c * (offline rank - 0.5))

(``offline rank`` in [0, 1], 1 = the ranking stages' top: the offline order is a prior the
verdicts refine, not something they replace). The empty set is the hypothesis "no skill matters".
``a``, ``b`` and ``c`` are not fitted but averaged over small grids
(:attr:`OnlineModelConfig.intercepts`, ``skill_effects``, ``offline_effects``), so nothing is
tuned to one world: the verdicts weigh every (set, a, b, c) by its likelihood, exactly (no
approximation but the grids), and a candidate's score is its **expected probability of a good
fit** under that posterior. Before any verdict the posterior is the prior, and the order is the
offline one.

Cost: the sets are the skills held by at least one good fit (a set none of the good fits holds
explains them no better than the empty set, and leaving those out keeps the work small: ``d``
such skills give ``d (d - 1) / 2`` pairs, ``d`` at most :attr:`OnlineModelConfig.max_skills`),
scored for ``n`` candidates in ``O(grid x n x d^2)`` (matrix products).

Measured against a Bayesian logistic regression over all skills (Gaussian prior, Laplace
approximation; greedy or Thompson sampling over its weights), naive-Bayes skill log-odds and the
Rocchio score it replaced: see ``docs/review.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit


@dataclass(frozen=True)
class OnlineModelConfig:
    """The learner's prior. ``set_prior``: prior mass of sets of size 0, 1, 2 (each spread evenly
    over the sets of that size among the pool's skills); the three grids: the intercept ``a``,
    the effect ``b`` of holding the whole set, the effect ``c`` of the offline rank;
    ``max_skills``: at most this many skills make up the sets (those most good fits hold), which
    bounds the work however many verdicts a session collects."""

    set_prior: tuple[float, float, float] = (0.2, 0.3, 0.5)
    intercepts: tuple[float, ...] = (-3.0, -2.0, -1.0)
    skill_effects: tuple[float, ...] = (1.5, 3.0, 4.5)
    offline_effects: tuple[float, ...] = (0.5, 1.0, 2.0)
    max_skills: int = 120

    def __post_init__(self) -> None:
        if len(self.set_prior) != 3 or min(self.set_prior) < 0 or sum(self.set_prior) <= 0:
            raise ValueError("set_prior: three non-negative masses (sets of 0, 1, 2 skills)")
        if not (self.intercepts and self.skill_effects and self.offline_effects):
            raise ValueError("every grid needs at least one value")
        if self.max_skills < 1:
            raise ValueError("max_skills must be >= 1")

    @property
    def max_set(self) -> int:
        return 2


def good_fit_probability(held: np.ndarray, offline: np.ndarray, rated_held: np.ndarray,
                         rated_offline: np.ndarray, labels: np.ndarray, *, n_skills: int,
                         config: OnlineModelConfig | None = None) -> np.ndarray:
    """Each candidate's posterior expected probability of a good fit.

    ``held``: candidates x skills (1 = held); ``offline``: their offline ranks in [0, 1];
    ``rated_held`` / ``rated_offline`` / ``labels`` (1 good fit, 0 not a fit): the rated
    candidates, over the same skill columns; ``n_skills``: how many skills the pool has (the prior
    spreads each size's mass over all of its sets, including those left out here).
    """
    cfg = config or OnlineModelConfig()
    held = np.asarray(held, dtype=np.float64)
    offline = np.asarray(offline, dtype=np.float64) - 0.5
    y = np.asarray(labels, dtype=np.float64)
    r_held = np.asarray(rated_held, dtype=np.float64).reshape(len(y), held.shape[1])
    r_off = np.asarray(rated_offline, dtype=np.float64) - 0.5
    holders = r_held[y == 1].sum(axis=0) if len(y) else np.zeros(held.shape[1])
    cols = np.flatnonzero(holders > 0)
    if len(cols) > cfg.max_skills:  # the skills most good fits hold (then fewest misses)
        misses = r_held[y == 0].sum(axis=0)
        cols = cols[np.lexsort((misses[cols], -holders[cols]))[:cfg.max_skills]]
        cols.sort()
    x, xr = held[:, cols], r_held[:, cols]
    d, total = len(cols), max(int(n_skills), len(cols), 1)
    pairs_total = max(total * (total - 1) / 2.0, 1.0)
    upper = np.triu(np.ones((d, d), dtype=bool), 1)
    logs, parts = [], []
    for a in cfg.intercepts:
        for b in cfg.skill_effects:
            for c in cfg.offline_effects:
                # log-likelihood of the verdicts when a rated candidate holds 0, 1/2 or all of S
                ll = {share: np.where(y == 1, log_expit(a + b * share + c * r_off),
                                      log_expit(-(a + b * share + c * r_off)))
                      for share in (0.0, 0.5, 1.0)}
                yes, no = xr, 1.0 - xr
                ll0 = float(ll[0.0].sum())
                ll1 = yes.T @ ll[1.0] + no.T @ ll[0.0]
                ll2 = ((yes.T * ll[1.0]) @ yes + (yes.T * ll[0.5]) @ no
                       + (no.T * ll[0.5]) @ yes + (no.T * ll[0.0]) @ no)
                logs.append((np.log(cfg.set_prior[0]) + ll0 if cfg.set_prior[0] else -np.inf,
                             np.log(cfg.set_prior[1] / total) + ll1 if cfg.set_prior[1]
                             else np.full(d, -np.inf),
                             np.where(upper, np.log(cfg.set_prior[2] / pairs_total) + ll2
                                      if cfg.set_prior[2] else -np.inf, -np.inf)))
                parts.append((a, b, c))
    top = max(max(l0, l1.max(initial=-np.inf), l2.max(initial=-np.inf)) for l0, l1, l2 in logs)
    num = np.zeros(len(held))
    den = 0.0
    for (a, b, c), (l0, l1, l2) in zip(parts, logs, strict=True):
        w0 = float(np.exp(l0 - top))
        w1 = np.exp(l1 - top)
        w2 = np.exp(l2 - top)
        w2 = w2 + w2.T                              # symmetric: each pair counted twice
        p0 = expit(a + c * offline)
        p_half = expit(a + 0.5 * b + c * offline)
        p1 = expit(a + b + c * offline)
        single = x @ w1                             # mass of sets {j} the candidate holds
        xw = x @ w2
        both = (xw * x).sum(axis=1) / 2.0           # mass of pairs it holds both of
        one = xw.sum(axis=1) - 2.0 * both           # ... exactly one of
        mass2 = w2.sum() / 2.0
        num += (w0 * p0 + single * p1 + (w1.sum() - single) * p0
                + both * p1 + one * p_half + (mass2 - both - one) * p0)
        den += w0 + w1.sum() + mass2
    return num / den if den > 0 else expit(offline)
