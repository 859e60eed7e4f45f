"""The title-expansion figure: low-recall title queries, relevant members retrieved, the cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talent.evaluation.expansion import expansion_recall, low_recall_title_searches


def test_the_title_queries_with_the_fewest_logged_matches_are_chosen():
    searches = pd.DataFrame({
        "project_id": [1, 2, 3, None, 5, 6],
        "query_type": ["title-only", "title+skills", "skills-only", "title-only", "title-only",
                       "title-only"],
        "result_count": [40, 5, 1, 2, 500, 80],
        "created_at": pd.to_datetime(["2025-01-0%d" % d for d in range(1, 7)]),
    }, index=[11, 12, 13, 14, 15, 16])
    chosen = low_recall_title_searches(searches, max_matches=100, limit=2)
    assert chosen.index.tolist() == [12, 11]   # no skills-only, no search without a job


def test_recall_and_precision_are_paired_over_the_same_queries():
    relevant = {1, 2, 3, 4, 5, 6}

    def grade(q, members):
        return np.array([3 if int(m) in relevant else 0 for m in members])

    def accepts(q, members):
        return np.full(len(members), 0.1)

    off = [(np.array([1, 2]), {}), (np.array([3]), {}), (np.array([9]), {})]
    on = [(np.array([1, 2, 4, 7]), {"applied": True, "titles": 2}),
          (np.array([3, 5]), {"applied": True, "titles": 1}),
          (np.array([9, 6]), {"applied": True, "titles": 1})]
    out = expansion_recall({"off": off, "on": on}, grade, accepts, baseline="off", resamples=200)
    on_stats = out["variants"]["on"]
    assert on_stats["relevant_retrieved"]["value"] == pytest.approx(6 / 3)
    assert on_stats["lift"]["relevant_retrieved"]["value"] == pytest.approx(6 / 3 / (3 / 3) - 1)
    # precision of what is shown: 3/4, 2/2, 1/2 against 2/2, 1/1, 0/1
    assert on_stats["precision@25"]["value"] == pytest.approx((0.75 + 1.0 + 0.5) / 3)
    assert on_stats["difference"]["precision@25"]["value"] == pytest.approx(
        (0.75 + 1.0 + 0.5) / 3 - 2 / 3)
    assert on_stats["expansion_applied"]["value"] == 1.0
    assert "lift" not in out["variants"]["off"]
