"""Metric functions against hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from talent.ranking import metrics as mt


def test_precision_counts_positives_in_the_top_k():
    # ranked: a(1) b(0) c(1) d(0)
    assert mt.precision_at_k([4, 3, 2, 1], [1, 0, 1, 0], 2) == 0.5
    assert mt.precision_at_k([4, 3, 2, 1], [1, 0, 1, 0], 3) == pytest.approx(2 / 3)


def test_precision_with_k_larger_than_the_list_counts_missing_positions_as_misses():
    assert mt.precision_at_k([2, 1], [1, 1], 5) == pytest.approx(2 / 5)


def test_precision_of_an_empty_list_is_zero():
    assert mt.precision_at_k([], [], 5) == 0.0


def test_precision_with_ties_is_the_expectation_over_tie_orders():
    # all tied: one positive in 4 -> each position holds 1/4 positive in expectation
    assert mt.precision_at_k([1, 1, 1, 1], [1, 0, 0, 0], 1) == pytest.approx(0.25)
    # tie across the cut: top item sure, then 1 of 2 tied positions taken, holding 1 positive of 2
    assert mt.precision_at_k([3, 2, 2], [0, 1, 0], 2) == pytest.approx(0.25)


def test_ndcg_by_hand():
    # gains in rank order 3, 0, 2: DCG = 7/1 + 0 + 3/2 = 8.5; ideal 3, 2, 0: 7 + 3/log2(3)
    ideal = 7 + 3 / math.log2(3)
    assert mt.ndcg_at_k([3, 2, 1], [3, 0, 2], 3) == pytest.approx(8.5 / ideal)


def test_ndcg_is_one_for_the_ideal_order_and_nan_without_gains():
    assert mt.ndcg_at_k([3, 2, 1], [4, 2, 0], 10) == pytest.approx(1.0)
    assert math.isnan(mt.ndcg_at_k([3, 2, 1], [0, 0, 0], 3))
    assert math.isnan(mt.ndcg_at_k([], [], 3))


def test_ndcg_with_ties_averages_the_two_orders():
    # two tied items with gains 1 and 0: orders (1,0) -> 1 ; (0,1) -> (1/log2(3)) ; ideal 1
    expected = (1 + 1 / math.log2(3)) / 2
    assert mt.ndcg_at_k([5, 5], [1, 0], 2) == pytest.approx(expected)


def test_reciprocal_rank_by_hand_and_with_ties():
    assert mt.reciprocal_rank([3, 2, 1], [0, 0, 1]) == pytest.approx(1 / 3)
    assert math.isnan(mt.reciprocal_rank([3, 2, 1], [0, 0, 0]))
    # 3 tied, one positive: uniform over ranks 1..3
    assert mt.reciprocal_rank([1, 1, 1], [0, 1, 0]) == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    # top item negative, then 3 tied with 2 positives: first positive at rank 2 w.p. 2/3, at 3 w.p.
    # 1/3
    assert mt.reciprocal_rank([9, 1, 1, 1], [0, 1, 1, 0]) == pytest.approx(2 / 3 / 2 + 1 / 3 / 3)


def test_ece_by_hand():
    # bin 0.1-0.2 holds two at 0.1 and 0.15 with one positive: |0.125 - 0.5| * 2/4
    # bin 0.9-1.0 holds two at 0.9 with both positive: |0.9 - 1| * 2/4
    probs = [0.1, 0.15, 0.9, 0.9]
    labels = [1, 0, 1, 1]
    assert mt.expected_calibration_error(probs, labels) == pytest.approx(0.375 * 0.5 + 0.1 * 0.5)


def test_perfectly_calibrated_constant_has_zero_ece():
    assert mt.expected_calibration_error([0.25] * 4, [1, 0, 0, 0]) == pytest.approx(0.0)


def test_auc_and_log_loss_by_hand():
    assert mt.auc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]) == pytest.approx(0.75)
    assert math.isnan(mt.auc([0.2, 0.3], [0, 0]))
    assert mt.log_loss([0.5, 0.5], [1, 0]) == pytest.approx(math.log(2))


def test_calibration_curve_bins():
    mean_p, rate, count = mt.calibration_curve(np.array([0.05, 0.05, 0.95]), np.array([0, 1, 1]))
    assert mean_p.tolist() == pytest.approx([0.05, 0.95])
    assert rate.tolist() == [0.5, 1.0]
    assert count.tolist() == [2, 1]
