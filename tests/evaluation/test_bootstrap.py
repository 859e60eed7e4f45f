"""Bootstrap intervals over queries and paired lifts."""

from __future__ import annotations

import math

import numpy as np

from talent.evaluation.bootstrap import bootstrap_mean, paired_lift


def test_interval_contains_the_mean_and_shrinks_with_more_queries():
    rng = np.random.default_rng(1)
    small = bootstrap_mean(rng.random(30))
    large = bootstrap_mean(rng.random(3000))
    assert small.low <= small.value <= small.high
    assert (large.high - large.low) < (small.high - small.low)


def test_undefined_queries_are_ignored():
    est = bootstrap_mean([1.0, float("nan"), 0.0])
    assert est.n == 2 and est.value == 0.5


def test_all_undefined_gives_nan():
    assert math.isnan(bootstrap_mean([float("nan")]).value)


def test_paired_lift_sees_a_small_consistent_gain_that_unpaired_noise_hides():
    rng = np.random.default_rng(2)
    base = rng.random(200)
    lift = paired_lift(base * 1.05, base)
    assert lift.value == np.float64(1.05 * base.mean() / base.mean() - 1)
    assert lift.low > 0.0  # the per-query noise cancels in a paired comparison


def test_no_lift_between_identical_models():
    values = np.random.default_rng(3).random(100)
    lift = paired_lift(values, values)
    assert lift.value == 0.0 and lift.low == 0.0 and lift.high == 0.0


def test_absolute_lift_is_a_difference_of_means():
    lift = paired_lift([0.5, 0.7], [0.25, 0.25], relative=False)
    assert abs(lift.value - 0.35) < 1e-12
