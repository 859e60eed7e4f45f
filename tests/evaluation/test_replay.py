"""Logged replay: what only the evaluation reports about the logged searches."""

from __future__ import annotations

import pandas as pd

from talent.evaluation.replay import recruiter_history


def test_recruiter_history_counts_earlier_searches_of_the_same_recruiter():
    s = pd.DataFrame({"recruiter_id": [1, 2, 1, 1], "created_at": pd.to_datetime(
        ["2026-01-03", "2026-01-01", "2026-01-01", "2026-01-02"])}, index=[10, 11, 12, 13])
    assert recruiter_history(s).tolist() == [2, 0, 0, 1]
