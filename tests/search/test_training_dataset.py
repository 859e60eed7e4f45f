"""The L1 training dataset: cached features equal fresh ones, and change when the logs do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from talent.errors import InvalidInput


@pytest.fixture()
def snapshot(search_world):
    from index.serving.serving_index import ServingIndex

    return ServingIndex(search_world.index_four).snapshot()


def _build(search_world, snapshot, cache_dir, **kw):
    from talent.training.dataset import build_dataset

    return build_dataset(search_world.db.engine, snapshot, search_world.taxonomy,
                         cache_dir=cache_dir, **kw)


def test_cached_features_are_the_features_computed_afresh(search_world, snapshot, tmp_path):
    fresh = _build(search_world, snapshot, None, threads=1)
    first = _build(search_world, snapshot, tmp_path)
    second = _build(search_world, snapshot, tmp_path)
    assert not fresh.cached and not first.cached and second.cached
    np.testing.assert_array_equal(fresh.features, first.features)  # threads do not change features
    np.testing.assert_array_equal(first.features, second.features)
    pd.testing.assert_frame_equal(first.candidates.rows, second.candidates.rows)
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_another_index_state_or_new_logs_miss_the_cache(search_world, snapshot, tmp_path):
    _build(search_world, snapshot, tmp_path)
    assert not _build(search_world, snapshot, tmp_path, index_stamp="live-position-7").cached
    engine = search_world.db.engine
    with engine.begin() as conn:
        search_id = conn.execute(text("SELECT id FROM searches ORDER BY id DESC LIMIT "
                                      "1")).scalar_one()
        member_id = conn.execute(text("SELECT id FROM members ORDER BY id LIMIT 1")).scalar_one()
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO impressions (search_id, member_id, position, "
                              "logged_score, created_at) SELECT :s, :m, 9999, 0.0, created_at FROM "
                              "searches WHERE id = :s"),
                         {"s": search_id, "m": member_id})
        grown = _build(search_world, snapshot, tmp_path)
        assert not grown.cached
        assert (len(grown.candidates.rows)
                == len(_build(search_world, snapshot, None).candidates.rows))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM impressions WHERE search_id = :s AND position = 9999"),
                         {"s": search_id})
    assert _build(search_world, snapshot, tmp_path).cached  # back to the logs of the first build


def test_a_corrupt_cache_file_is_recomputed_not_trusted(search_world, snapshot, tmp_path):
    good = _build(search_world, snapshot, tmp_path)
    (cached_file,) = tmp_path.glob("*.npz")
    cached_file.write_bytes(b"not an npz file")
    again = _build(search_world, snapshot, tmp_path)
    assert not again.cached
    np.testing.assert_array_equal(good.features, again.features)


def test_label_schemes_rank_accepts_first():
    from talent.ranking.candidates import Candidates
    from talent.training.l1 import ranking_labels

    rows = pd.DataFrame({"search_id": [1, 1, 1, 1], "member_id": [1, 2, 3, 4],
                         "position": [0, 1, 2, 3], "grade": [0, 1, 3, 4], "accepted": [0, 0, 0, 1]})
    cands = Candidates(rows, pd.DataFrame(index=[1]))
    assert ranking_labels(cands, "accept").tolist() == [0, 0, 0, 1]
    assert ranking_labels(cands, "graded").tolist() == [0, 1, 3, 4]
    with pytest.raises(InvalidInput, match="label scheme"):
        ranking_labels(cands, "clicks")  # type: ignore[arg-type]


def test_the_winner_is_the_better_precision_at_25_and_near_ties_go_to_the_faster_predictor():
    from talent.training.l1 import choose_winner

    def m(p25, p5):
        return {"precision@25": p25, "precision@5": p5}

    fast = {"lightgbm": 1.0, "xgboost": 9.0}
    assert choose_winner({"lightgbm": m(0.018, 0.06), "xgboost": m(0.020, 0.05)}, fast) == "xgboost"
    assert choose_winner({"lightgbm": m(0.02000, 0.050), "xgboost": m(0.02001, 0.060)},
                         fast) == "lightgbm"
    assert choose_winner({"lightgbm": m(0.02000, 0.050), "xgboost": m(0.02001, 0.060)},
                         {"lightgbm": 5.0, "xgboost": 1.0}) == "xgboost"
