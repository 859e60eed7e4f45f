"""Logged replay: re-rank the candidates each held-out search actually showed and score the
new order against what the recruiter and the member did.

The shown candidates and their graded labels (:class:`talent.ranking.candidates.Candidates`)
and the per-search metrics come from :mod:`talent.ranking`, shared with training; here are
what only the evaluation reports: recruiter experience segments and precision curves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.ranking import metrics as mt
from talent.ranking.candidates import Candidates


def recruiter_history(searches: pd.DataFrame) -> pd.Series:
    """Per search (indexed by search id): how many searches its recruiter issued before it."""
    ordered = searches.sort_values("created_at", kind="stable")
    return ordered.groupby("recruiter_id").cumcount().reindex(searches.index)


def precision_curve(cands: Candidates, scores: np.ndarray, k_max: int = 25) -> dict[int, float]:
    """Mean (over searches) InMail-accept precision@k for k = 1..k_max."""
    sizes = cands.group_sizes
    if sizes.size == 0:
        return {}
    accepted = cands.rows["accepted"].to_numpy().astype(np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    hits = np.zeros(k_max)
    start = 0
    for size in sizes:
        eg = mt.expected_gains(scores[start:start + size], accepted[start:start + size])[:k_max]
        hits[: eg.size] += np.cumsum(eg)
        hits[eg.size:] += eg.sum()
        start += size
    ks = np.arange(1, k_max + 1)
    return {int(k): float(h / k / sizes.size) for k, h in zip(ks, hits)}
