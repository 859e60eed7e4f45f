"""Representative re-ranking: the four algorithms reorder only, keep each group's own order and
meet every prefix's minimum ``floor(p_i k)`` where the paper says they do."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talent.ranking.fairness import infeasible
from talent.ranking.representative import ALGORITHMS, desired_shares, rerank


@st.composite
def ranked_lists(draw, min_groups: int = 2, max_groups: int = 8, k_max: int = 60):
    """(groups best first, desired shares, k): every group has enough candidates to meet its
    minimum at every prefix up to k, the rest of the list is random."""
    n_groups = draw(st.integers(min_groups, max_groups))
    weights = draw(st.lists(st.integers(1, 100), min_size=n_groups, max_size=n_groups))
    shares = desired_shares(np.asarray(weights))
    k = draw(st.integers(1, k_max))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    needed = np.floor(k * shares + 1e-9).astype(int)
    extra = rng.integers(0, n_groups, size=draw(st.integers(0, 2 * k_max)))
    groups = np.concatenate([np.repeat(np.arange(n_groups), needed), extra])
    rng.shuffle(groups)
    return groups, shares, k


def _is_permutation(order: np.ndarray, n: int) -> bool:
    return sorted(order.tolist()) == list(range(n))


@settings(max_examples=200, deadline=None)
@given(ranked_lists())
def test_detconstsort_has_no_infeasible_prefix_with_2_to_8_groups(case):
    groups, shares, k = case
    order = rerank(groups, shares, "detconstsort", k)
    assert infeasible(groups[order], shares, k) == (0, 0)


@settings(max_examples=100, deadline=None)
@given(ranked_lists(max_groups=3))
@pytest.mark.parametrize("algorithm", ["detgreedy", "detcons", "detrelaxed"])
def test_the_greedy_algorithms_have_no_infeasible_prefix_with_up_to_3_groups(algorithm, case):
    groups, shares, k = case
    order = rerank(groups, shares, algorithm, k)
    assert infeasible(groups[order], shares, k) == (0, 0)


def test_detgreedy_can_break_a_minimum_with_4_groups_as_the_paper_says():
    rng = np.random.default_rng(3)
    broken = 0
    for _ in range(50):
        shares = desired_shares(rng.integers(1, 100, size=5))
        groups = rng.permutation(np.repeat(np.arange(5), 40))
        order = rerank(groups, shares, "detgreedy", 60)
        broken += infeasible(groups[order], shares, 60)[0] > 0
        assert infeasible(groups[rerank(groups, shares, "detconstsort", 60)], shares, 60)[0] == 0
    assert broken > 0


@settings(max_examples=100, deadline=None)
@given(ranked_lists(), st.sampled_from(ALGORITHMS))
def test_every_algorithm_reorders_without_adding_or_dropping(case, algorithm):
    groups, shares, k = case
    order = rerank(groups, shares, algorithm, k)
    assert _is_permutation(order, len(groups))


@settings(max_examples=100, deadline=None)
@given(ranked_lists(), st.sampled_from(ALGORITHMS))
def test_each_group_keeps_its_own_order(case, algorithm):
    groups, shares, k = case
    order = rerank(groups, shares, algorithm, k)
    for g in np.unique(groups):
        mine = order[groups[order] == g]
        assert (np.diff(mine) > 0).all()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_places_after_k_max_follow_the_input_order(algorithm):
    groups = np.array([0] * 8 + [1] * 8)
    order = rerank(groups, np.array([0.5, 0.5]), algorithm, k_max=4)
    assert sorted(order[:4].tolist()) == [0, 1, 8, 9]
    assert order[4:].tolist() == [2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15]


def test_detgreedy_leaves_a_list_that_already_meets_every_prefix_alone():
    groups = np.array([0, 1, 1, 0, 1, 0, 0, 1, 0, 1])
    assert rerank(groups, np.array([0.5, 0.5]), "detgreedy").tolist() == list(range(10))


def test_detgreedy_interleaves_a_list_sorted_by_group():
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    order = rerank(groups, np.array([0.5, 0.5]), "detgreedy")
    assert groups[order].tolist() == [0, 1, 0, 1, 0, 1, 0, 1]


def test_detcons_picks_the_group_whose_next_place_comes_due_soonest():
    # at k = 2 both groups are within their minimums and below their maximums: DetGreedy takes
    # the better candidate (group 0); DetCons takes the group due first, ceil(0.4 * 2) / 0.4 = 2.5
    # for group 1 against ceil(0.6 * 2) / 0.6 = 3.33 for group 0 (the argmax would take group 0)
    groups = np.array([0, 0, 0, 1, 1, 1])
    shares = np.array([0.6, 0.4])
    assert groups[rerank(groups, shares, "detgreedy")][:2].tolist() == [0, 0]
    assert groups[rerank(groups, shares, "detcons")][:2].tolist() == [0, 1]


def test_a_group_that_runs_out_is_skipped_and_the_rest_still_placed():
    groups = np.array([0, 0, 0, 0, 0, 0, 1])
    for algorithm in ALGORITHMS:
        order = rerank(groups, np.array([0.5, 0.5]), algorithm)
        assert _is_permutation(order, 7)
        assert groups[order][:2].tolist() == [0, 1]


def test_a_group_with_no_desired_share_goes_after_the_constrained_ones():
    groups = np.array([2, 0, 1, 0, 1])
    order = rerank(groups, np.array([0.5, 0.5, 0.0]), "detconstsort")
    assert order.tolist() == [1, 2, 3, 4, 0]


@pytest.mark.parametrize("groups, shares, message", [
    (np.array([0, 1]), np.array([0.5, 0.6]), "sum to 1"),
    (np.array([0, 2]), np.array([0.5, 0.5]), "group codes"),
    (np.array([0, 1]), np.array([-0.5, 1.5]), "non-negative"),
])
def test_bad_inputs_are_refused(groups, shares, message):
    with pytest.raises(ValueError, match=message):
        rerank(groups, shares)


def test_an_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="unknown re-ranking algorithm"):
        rerank(np.array([0]), np.array([1.0]), "detmagic")


def test_an_empty_list_stays_empty():
    assert rerank(np.zeros(0, dtype=int), np.array([0.5, 0.5])).tolist() == []


def test_desired_shares_of_no_counts_are_zero():
    assert desired_shares(np.array([0, 0, 0])).tolist() == [0.0, 0.0, 0.0]
    assert desired_shares(np.array([1, 3])).tolist() == [0.25, 0.75]
