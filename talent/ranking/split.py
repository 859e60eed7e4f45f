"""Time-based split of logged search sessions: train on earlier sessions, evaluate on later ones.

A session goes wholly to one side, by the time of its first search, so no session is ever
split across train and test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]


@dataclass(frozen=True)
class SessionSplit:
    """Search ids on each side and the session start time that separates them."""

    train_search_ids: np.ndarray
    test_search_ids: np.ndarray
    cutoff: pd.Timestamp | None
    train_sessions: int
    test_sessions: int


def time_split(searches: pd.DataFrame, test_fraction: float = 0.2) -> SessionSplit:
    """Split ``searches`` (columns ``id``, ``session_id``, ``created_at``) by session start time.

    The latest ``test_fraction`` of sessions (by their first search) are held out; sessions
    starting at the same instant as the cutoff go to the test side together.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must be in (0, 1)")
    if searches.empty:
        empty = np.zeros(0, dtype=np.int64)
        return SessionSplit(empty, empty, None, 0, 0)
    created = pd.to_datetime(searches["created_at"])
    start = created.groupby(searches["session_id"]).min().sort_values(kind="stable")
    n_test = max(1, round(len(start) * test_fraction))
    n_test = min(n_test, len(start) - 1) if len(start) > 1 else 1
    cutoff = start.iloc[len(start) - n_test]
    test_sessions = set(start.index[start >= cutoff])
    is_test = searches["session_id"].isin(test_sessions).to_numpy()
    ids = searches["id"].to_numpy(dtype=np.int64)
    return SessionSplit(np.sort(ids[~is_test]), np.sort(ids[is_test]), pd.Timestamp(cutoff),
                        len(start) - len(test_sessions), len(test_sessions))
