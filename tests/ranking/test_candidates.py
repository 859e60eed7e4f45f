"""Logged searches as ranking data: labels from the logs and per-search metrics of a re-ranking."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from talent.ranking.candidates import Candidates, grade_labels, per_query_metrics


def test_grades_take_the_strongest_logged_outcome():
    imp = pd.DataFrame({"search_id": [1, 1, 1, 1, 1, 2], "member_id": [10, 11, 12, 13, 14, 10]})
    feedback = pd.DataFrame({"search_id": [1, 1, 1, 1, 1], "member_id": [11, 12, 12, 13, 14],
                             "kind": ["view", "view", "save", "view", "view"]})
    inmails = pd.DataFrame({"search_id": [1, 1], "member_id": [13, 14],
                            "status": ["declined", "accepted"]})
    out = grade_labels(imp, feedback, inmails)
    # the accept in search 1 is not one in search 2
    assert out["grade"].tolist() == [0, 1, 2, 3, 4, 0]
    assert out["accepted"].tolist() == [0, 0, 0, 0, 1, 0]


def _cands(grades_by_search: dict[int, list[int]]) -> Candidates:
    rows = []
    for sid, grades in grades_by_search.items():
        for pos, g in enumerate(grades):
            rows.append((sid, 100 * sid + pos, pos, 0.0, g, int(g == 4)))
    frame = pd.DataFrame(rows, columns=["search_id", "member_id", "position", "logged_score",
                                        "grade", "accepted"])
    searches = pd.DataFrame({"session_id": ["a"] * len(grades_by_search)},
                            index=list(grades_by_search))
    return Candidates(frame, searches)


def test_per_query_metrics_rerank_each_search_on_its_own():
    c = _cands({1: [0, 4, 1], 2: [3, 0]})
    scores = np.array([3.0, 2.0, 1.0, 1.0, 2.0])  # search 1 keeps order; search 2 is reversed
    pq = per_query_metrics(c, scores, ks=(1, 5))
    assert pq.loc[1, "precision@1"] == 0.0 and pq.loc[1, "precision@5"] == 0.2
    assert pq.loc[1, "mrr"] == 0.5
    assert math.isnan(pq.loc[2, "mrr"])  # no accept in search 2
    assert pq.loc[2, "ndcg@5"] == 1 / math.log2(3) * 7 / 7
