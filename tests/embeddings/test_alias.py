"""Alias tables draw each index with probability proportional to its weight, in O(1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talent.embeddings.alias import AliasTable


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=300)
       .filter(lambda w: sum(w) > 0))
def test_the_table_encodes_exactly_the_weights(weights):
    w = np.asarray(weights)
    table = AliasTable.build(w)
    np.testing.assert_allclose(table.probabilities(), w / w.sum(), rtol=1e-9, atol=1e-12)


def test_a_heavy_tail_with_one_huge_weight_is_encoded_exactly():
    w = np.r_[1e6, np.full(20_000, 1e-3), np.random.default_rng(0).pareto(1.1, 20_000)]
    table = AliasTable.build(w)
    np.testing.assert_allclose(table.probabilities(), w / w.sum(), rtol=1e-6, atol=1e-15)


def test_draws_follow_the_weights():
    w = np.array([1.0, 2.0, 3.0, 0.0, 4.0])
    draws = AliasTable.build(w).sample(np.random.default_rng(3), 200_000)
    freq = np.bincount(draws, minlength=5) / len(draws)
    np.testing.assert_allclose(freq, w / w.sum(), atol=0.005)
    assert freq[3] == 0.0


def test_the_same_seed_draws_the_same_indexes():
    table = AliasTable.build(np.arange(1.0, 50.0))
    a = table.sample(np.random.default_rng(9), 1000)
    b = table.sample(np.random.default_rng(9), 1000)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("weights", [[], [0.0, 0.0], [1.0, -1.0], [1.0, np.nan]])
def test_weights_that_make_no_distribution_are_refused(weights):
    with pytest.raises(ValueError):
        AliasTable.build(np.asarray(weights, dtype=float))
