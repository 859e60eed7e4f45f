"""The log audit's arithmetic on a hand-made log: rates, impact ratios, periods, windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talent.evaluation.audit.data import MemberGroups
from talent.evaluation.audit.logs import (
    LogAuditOptions,
    audit_logs,
    period_of,
    rate_tests,
    rates,
    window,
)
from talent.protected import GenderStore
from talent.ranking.candidates import Candidates

FEMALE, MALE, UNKNOWN = 0, 1, 2


def test_impact_ratios_divide_by_the_most_selected_known_group():
    out = rates(pool=np.array([100, 100, 10]), shown=np.array([20, 40, 9]),
                inmailed=np.array([4, 4, 0]))
    assert out["female"]["impression_rate"] == 0.2 and out["male"]["impression_rate"] == 0.4
    assert out["female"]["impression_impact_ratio"] == 0.5
    assert out["male"]["impression_impact_ratio"] == 1.0
    assert out["unknown"]["impression_impact_ratio"] is None  # outside the ratios, as LL144
    assert out["female"]["inmail_rate"] == 0.2 and out["male"]["inmail_impact_ratio"] == 0.5


def test_fishers_test_tells_chance_from_a_real_gap():
    even = rate_tests(np.array([100, 100, 5]), np.array([30, 30, 1]), np.array([3, 4, 0]))
    gap = rate_tests(np.array([1000, 1000, 5]), np.array([100, 300, 1]), np.array([5, 60, 0]))
    assert even["impression_p_value"] == 1.0 and even["inmail_p_value"] > 0.5
    assert gap["impression_p_value"] < 1e-6 and gap["inmail_p_value"] < 0.01


def test_a_group_with_an_empty_pool_has_no_rate():
    out = rates(np.array([0, 10, 0]), np.array([0, 5, 0]), np.array([0, 1, 0]))
    assert out["female"]["impression_rate"] is None
    assert out["male"]["impression_impact_ratio"] == 1.0


def test_periods_are_months_or_iso_weeks():
    ts = pd.Series(pd.to_datetime(["2025-03-02", "2025-03-31"]))
    assert period_of(ts, "month").tolist() == ["2025-03", "2025-03"]
    assert period_of(ts, "week").tolist() == ["2025-W09", "2025-W14"]


def _log() -> tuple[Candidates, MemberGroups]:
    """Two contracts, two months; members 1-10 female, 11-20 male, 21 unknown."""
    searches = pd.DataFrame({
        "session_id": ["a", "b", "c"], "contract_id": [1, 1, 2],
        "created_at": pd.to_datetime(["2025-01-10", "2025-02-10", "2025-02-11"]),
        "query_text": ["nurse", "nurse", "engineer"], "query_json": [None, None, None],
    }, index=pd.Index([1, 2, 3], name="id"))
    shown = {1: [11, 12, 13, 1], 2: [1, 2, 11, 12], 3: [1, 11, 2, 12, 21]}
    inmailed = {(1, 11), (2, 1), (3, 1)}
    rows = pd.DataFrame([{"search_id": s, "member_id": m, "position": i, "logged_score": 0.0,
                          "grade": 3 if (s, m) in inmailed else 0, "accepted": 0}
                         for s, ms in shown.items() for i, m in enumerate(ms)])
    ids = np.arange(1, 22)
    codes = np.where(ids <= 10, FEMALE, np.where(ids <= 20, MALE, UNKNOWN))
    return Candidates(rows, searches), MemberGroups(GenderStore.from_rows(ids, codes))


def _pool(search: pd.Series) -> np.ndarray:
    return np.array([10, 10, 1])  # every query matches everyone


def test_the_log_audit_sums_pools_impressions_and_inmails_by_group():
    cands, groups = _log()
    out = audit_logs(cands, groups, _pool, LogAuditOptions(k=4, resamples=50))
    overall = out["overall"]["groups"]
    assert (overall["female"]["pool"], overall["female"]["shown"],
            overall["female"]["inmailed"]) == (30, 5, 2)
    assert (overall["male"]["shown"], overall["male"]["inmailed"]) == (7, 1)
    assert (overall["unknown"]["pool"], overall["unknown"]["shown"]) == (3, 1)
    assert overall["female"]["impression_impact_ratio"] == pytest.approx(5 / 7)
    assert overall["male"]["inmail_impact_ratio"] == pytest.approx((1 / 7) / (2 / 5))
    assert set(out["by_period"]) == {"2025-01", "2025-02"}
    assert set(out["by_contract"]) == {"1", "2"}
    assert out["by_contract"]["2"]["searches"] == 1


def test_representative_top_k_compares_the_shown_top_with_the_pool():
    cands, groups = _log()
    out = audit_logs(cands, groups, _pool, LogAuditOptions(k=4, resamples=50))
    # search 1 shows 3 men and 1 woman at the top: under-represents women; 2 and 3 are even
    assert out["overall"]["representative_share@4"] == pytest.approx(2 / 3)


def test_the_window_keeps_from_inclusive_to_exclusive_and_can_sample():
    cands, _ = _log()
    opts = LogAuditOptions(start=pd.Timestamp("2025-02-01"), end=pd.Timestamp("2025-02-11"))
    assert window(cands.searches, opts).index.tolist() == [2]
    sampled = window(cands.searches, LogAuditOptions(max_searches=2, seed=1))
    assert len(sampled) == 2 and sampled.index.is_monotonic_increasing


def test_shown_against_the_pool_compares_within_each_search():
    """A mostly-female large pool and a mostly-male small one, each shown in proportion: the
    pooled impression rate reads as a gap, shown against the pool does not."""
    searches = pd.DataFrame({
        "session_id": ["a", "b"], "contract_id": [1, 1],
        "created_at": pd.to_datetime(["2025-01-10", "2025-01-11"]),
        "query_text": ["nurse", "engineer"], "query_json": [None, None],
    }, index=pd.Index([1, 2], name="id"))
    shown = {1: list(range(1, 19)) + [101, 102], 2: [19, 20] + list(range(103, 121))}
    rows = pd.DataFrame([{"search_id": s, "member_id": m, "position": i, "logged_score": 0.0,
                          "grade": 0, "accepted": 0}
                         for s, ms in shown.items() for i, m in enumerate(ms)])
    ids = np.arange(1, 121)
    groups = MemberGroups(GenderStore.from_rows(ids, np.where(ids <= 100, FEMALE, MALE)))
    pools = {"nurse": np.array([900, 100, 0]), "engineer": np.array([10, 90, 0])}
    out = audit_logs(Candidates(rows, searches), groups,
                     lambda search: pools[search["query_text"]], LogAuditOptions(resamples=50))
    female = out["overall"]["groups"]["female"]
    assert female["impression_impact_ratio"] < 0.3
    assert female["shown_vs_pool_rate"] == pytest.approx(1.0)
    assert female["shown_vs_pool_impact_ratio"] == pytest.approx(1.0)
