"""Fairness metrics of a ranking against a desired group distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest

from talent.ranking.fairness import (
    REPRESENTATIVE_MIN_SKEW,
    infeasible,
    ndcg_kept,
    ndkl,
    representativeness,
    skews_at_k,
)


def test_skew_compares_the_smoothed_top_k_share_with_the_desired_share():
    groups = np.array([0, 0, 0, 1])  # top 4: three of group 0, one of group 1
    skews = skews_at_k(groups, np.array([0.5, 0.5]), 4)
    assert skews[0] == pytest.approx(math.log((3 + 1) / (4 + 2) / 0.5))
    assert skews[1] == pytest.approx(math.log((1 + 1) / (4 + 2) / 0.5))


def test_a_group_missing_from_the_top_k_has_a_finite_skew():
    skews = skews_at_k(np.zeros(10, dtype=int), np.array([0.5, 0.5]), 10)
    assert np.isfinite(skews).all()
    assert skews[1] == pytest.approx(math.log((0 + 1) / (10 + 2) / 0.5))


def test_smoothing_lifts_a_group_expected_less_than_once_in_the_top_k():
    # 0.1 x 3 places: missing is what the minimum allows, and the pseudo-count reads it as over
    assert skews_at_k(np.array([0, 0, 0]), np.array([0.9, 0.1]), 3)[1] > 0


def test_a_group_with_no_desired_share_has_no_skew():
    skews = skews_at_k(np.array([0, 1]), np.array([1.0, 0.0]), 2)
    assert np.isnan(skews[1]) and np.isfinite(skews[0])


def test_a_top_25_that_meets_every_minimum_is_representative():
    shares = np.array([0.47, 0.51, 0.02])
    groups = np.array(([1, 0] * 12) + [1])  # 12 of group 0, its minimum floor(0.47 * 25) = 11
    report = representativeness(groups, shares, 25)
    assert report.infeasible_index == 0
    assert report.min_skew >= REPRESENTATIVE_MIN_SKEW and report.representative


def test_a_top_25_with_one_group_far_below_its_share_is_not_representative():
    groups = np.array([1] * 20 + [0] * 5)
    report = representativeness(groups, np.array([0.5, 0.5]), 25)
    assert not report.representative and report.min_skew < -0.5


def test_ndkl_is_zero_when_there_is_one_group_and_larger_for_a_sorted_list():
    assert ndkl(np.zeros(10, dtype=int), np.array([1.0])) == 0.0
    shares = np.array([0.5, 0.5])
    interleaved, sorted_ = np.array([0, 1] * 5), np.array([0] * 5 + [1] * 5)
    assert 0 < ndkl(interleaved, shares) < ndkl(sorted_, shares)


def test_ndkl_weights_early_prefixes_most():
    shares = np.array([0.5, 0.5])
    early = np.array([0, 0, 1, 0, 1, 1, 0, 1])  # the imbalance at the top
    late = np.array([0, 1, 0, 1, 0, 0, 1, 1])   # the same imbalance further down
    assert ndkl(early, shares) > ndkl(late, shares)


def test_infeasible_counts_prefixes_and_groups_below_their_minimum():
    # shares 0.5 / 0.5: minimums at k = 2, 3, 4 are 1, 1, 2 per group
    groups = np.array([0, 0, 0, 1])
    assert infeasible(groups, np.array([0.5, 0.5]), 4) == (3, 3)
    assert infeasible(np.array([0, 1, 0, 1]), np.array([0.5, 0.5]), 4) == (0, 0)


def test_ndcg_kept_is_one_for_the_unconstrained_order_and_less_when_worse_ones_move_up():
    scores = np.array([4.0, 3.0, 2.0, 1.0])
    assert ndcg_kept(scores, np.arange(4), 4) == 1.0
    assert ndcg_kept(scores, np.array([3, 2, 1, 0]), 4) < 1.0
    assert ndcg_kept(np.ones(4), np.array([3, 2, 1, 0]), 4) == 1.0  # all tied: nothing lost


def test_representativeness_names_no_group():
    report = representativeness(np.array([0, 1, 2]), np.array([0.4, 0.4, 0.2]), 3).as_dict()
    assert set(report) == {"k", "min_skew", "max_skew", "ndkl", "infeasible_index",
                           "infeasible_count", "representative"}
