"""Time split of logged sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from talent.ranking.split import time_split


def _searches(rows: list[tuple[str, int]]) -> pd.DataFrame:
    base = pd.Timestamp("2026-01-01")
    return pd.DataFrame({"id": np.arange(1, len(rows) + 1), "session_id": [s for s, _ in rows],
                         "created_at": [base + pd.Timedelta(minutes=m) for _, m in rows]})


def test_later_sessions_are_held_out():
    df = _searches([("a", 0), ("a", 5), ("b", 10), ("c", 20), ("d", 30), ("d", 31)])
    split = time_split(df, test_fraction=0.5)
    assert split.test_search_ids.tolist() == [4, 5, 6]
    assert split.train_search_ids.tolist() == [1, 2, 3]


def test_a_session_that_runs_past_the_cutoff_stays_on_one_side():
    # session a starts first but its last search comes after session b starts
    df = _searches([("a", 0), ("b", 10), ("a", 50)])
    split = time_split(df, test_fraction=0.5)
    assert split.train_search_ids.tolist() == [1, 3]
    assert split.test_search_ids.tolist() == [2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 500)), min_size=2,
                max_size=60), st.floats(0.05, 0.95))
def test_no_session_is_ever_split_and_every_search_lands_once(rows, fraction):
    df = _searches(rows)
    split = time_split(df, test_fraction=fraction)
    train = set(df.loc[df["id"].isin(split.train_search_ids), "session_id"])
    test = set(df.loc[df["id"].isin(split.test_search_ids), "session_id"])
    assert not train & test
    assert sorted(np.concatenate([split.train_search_ids,
                                  split.test_search_ids]).tolist()) == df["id"].tolist()
    if train and test:  # every held-out session starts no earlier than every training session
        start = pd.to_datetime(df["created_at"]).groupby(df["session_id"]).min()
        assert start[list(test)].min() >= start[list(train)].max()
