"""IPS-weighted replay: accepts the logging policy placed low count for more."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talent.evaluation.ips import ips_summary
from talent.evaluation.ladder import LadderResult, RungResult
from talent.ranking.candidates import Candidates, ips_per_query


def logged() -> Candidates:
    # 20 searches of 4 rows; the accept sits at logged position 3 (examined ~ 1/4 as often)
    n = 20
    rows = pd.DataFrame({"search_id": np.repeat(np.arange(1, n + 1), 4),
                         "member_id": np.arange(4 * n), "position": np.tile(np.arange(4), n),
                         "grade": np.tile([0, 0, 0, 4], n), "accepted": np.tile([0, 0, 0, 1], n)})
    return Candidates(rows, pd.DataFrame(index=np.arange(1, n + 1)))


def test_an_accept_at_position_3_counts_4_times_with_exponent_minus_one():
    c = logged()
    finds_it = np.tile([0.0, 0.0, 0.0, 1.0], 20)
    per = ips_per_query(c, finds_it, -1.0, (1, 4))
    assert per["ips_precision@1"].tolist() == [4.0] * 20
    assert per["ips_precision@4"].tolist() == [1.0] * 20
    assert ips_per_query(c, finds_it, 0.0, (1,))["ips_precision@1"].tolist() == [1.0] * 20
    with pytest.raises(ValueError):
        ips_per_query(c, finds_it[:-1], -1.0)


def test_the_summary_gives_each_rung_its_lift_over_the_baseline():
    n, size = 20, 12  # the accept at logged position 8 of 12: the logging order's top 5 miss it
    label = (np.arange(size) == 8).astype(int)
    rows = pd.DataFrame({"search_id": np.repeat(np.arange(1, n + 1), size),
                         "member_id": np.arange(n * size), "position": np.tile(np.arange(size), n),
                         "grade": np.tile(4 * label, n), "accepted": np.tile(label, n)})
    c = Candidates(rows, pd.DataFrame(index=np.arange(1, n + 1)))
    top = -c.rows["position"].to_numpy(dtype=float)
    best = np.tile(label.astype(float), n)
    rungs = [RungResult(name, pd.DataFrame(), scores=s)
             for name, s in (("pairwise_gbdt", top), ("l2_dynamic", best))]
    out = ips_summary(LadderResult(rungs, c, ("pairwise_gbdt", "l2_dynamic")), -1.0,
                      resamples=50)
    assert out["rungs"]["pairwise_gbdt"]["metrics"]["ips_precision@5"]["value"] == 0.0
    assert "lift" not in out["rungs"]["pairwise_gbdt"]
    assert out["rungs"]["l2_dynamic"]["metrics"]["ips_precision@5"]["value"] == \
        pytest.approx(9.0 / 5)
    assert out["rungs"]["l2_dynamic"]["lift"]["ips_precision@10"]["value"] == pytest.approx(0.0)
