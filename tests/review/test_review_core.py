"""Review mode's logic on small synthetic pools: skill groups, the bandits, the online weights."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from review_steps import review_steps

from federator.arm_policies import UCB1, ThompsonSampling, arm_policy
from federator.review import (
    ReviewPool,
    ReviewState,
    apply_verdict,
    choose_next,
    new_state,
    present,
)
from federator.skill_groups import cluster_skills


def two_kinds(n: int = 40, seed: int = 0) -> sp.csr_matrix:
    """Members 0..n/2-1 hold skills 0-5 (and a shared skill 12), the rest skills 6-11 (and 12),
    each skill with probability 0.8."""
    rng = np.random.default_rng(seed)
    held = np.zeros((n, 13))
    held[: n // 2, 0:6] = rng.random((n // 2, 6)) < 0.8
    held[n // 2:, 6:12] = rng.random((n - n // 2, 6)) < 0.8
    held[:, 12] = 1
    return sp.csr_matrix(held)


def make_pool(matrix: sp.csr_matrix, groups: np.ndarray | None = None) -> ReviewPool:
    n, d = matrix.shape
    found = cluster_skills(matrix, seed=0) if groups is None else None
    labels = found.labels if found is not None else groups
    names = found.names if found is not None else [[0], [6]]
    csr = sp.csr_matrix(matrix)
    return ReviewPool(member_ids=np.arange(1, n + 1, dtype=np.int64),
                      offline=np.linspace(1.0, 0.0, n), groups=np.asarray(labels),
                      group_skills=names, skills=[f"s{j}" for j in range(d)],
                      skill_names=[f"skill {j}" for j in range(d)],
                      skill_ptr=csr.indptr.astype(np.int64),
                      skill_idx=csr.indices.astype(np.int64))


def run(pool: ReviewPool, state: ReviewState, good: set[int], steps: int) -> list[int]:
    return review_steps(pool, state, good.__contains__, steps)


# --- skill groups --------------------------------------------------------------------------------
def test_two_kinds_of_members_make_two_groups_named_by_their_skills():
    groups = cluster_skills(two_kinds(), seed=0)
    assert groups.k == 2 and groups.silhouette is not None and groups.silhouette > 0.3
    first = groups.labels[0]
    assert (groups.labels[:20] == first).all() and (groups.labels[20:] != first).all()
    named = {g: set(groups.names[g]) for g in range(2)}
    assert named[first] <= set(range(6)) and named[1 - first] <= set(range(6, 12))
    assert all(12 not in n for n in named.values())  # held by everyone: not distinctive


def test_a_set_number_of_groups_is_used():
    assert cluster_skills(two_kinds(), k=4, seed=0).k == 4


def test_a_pool_too_small_to_split_is_one_group():
    groups = cluster_skills(two_kinds(3), seed=0)
    assert groups.k == 1 and (groups.labels == 0).all()


# --- arm policies --------------------------------------------------------------------------------
def test_thompson_sampling_plays_only_available_arms():
    rng = np.random.default_rng(0)
    available = np.array([False, True, False])
    picks = {ThompsonSampling().choose(np.array([50, 0, 50]), np.zeros(3), available, rng).arm
             for _ in range(50)}
    assert picks == {1}


def test_thompson_sampling_favours_the_arm_with_more_good_fits():
    rng = np.random.default_rng(0)
    picks = [ThompsonSampling().choose(np.array([8, 1]), np.array([2, 9]), np.ones(2, bool),
                                       rng).arm for _ in range(200)]
    assert np.mean(np.array(picks) == 0) > 0.95


def test_ucb1_plays_every_untried_arm_before_the_best_bound():
    rng = np.random.default_rng(0)
    policy = UCB1()
    assert policy.choose(np.array([3, 0, 0]), np.array([0, 0, 0]), np.ones(3, bool), rng).arm == 1
    choice = policy.choose(np.array([3, 0, 1]), np.array([0, 2, 1]), np.ones(3, bool), rng)
    assert choice.arm == 0 and choice.value == pytest.approx(1 + np.sqrt(2 * np.log(7) / 3))


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="thompson"):
        arm_policy("greedy")


# --- sessions over a pool ------------------------------------------------------------------------
def test_the_offline_order_presents_the_pool_best_first():
    pool = make_pool(two_kinds())
    state = new_state("s", pool, recruiter_id=1, contract_id=1, order="offline")
    assert run(pool, state, set(), 10) == list(range(10))


def test_a_session_never_presents_anyone_twice_and_ends_with_the_pool():
    pool = make_pool(two_kinds(12))
    state = new_state("s", pool, recruiter_id=1, contract_id=1, order="thompson", seed=3)
    shown = run(pool, state, set(range(6)), 20)
    assert sorted(shown) == list(range(12)) and choose_next(pool, state) is None


def test_the_bandit_moves_to_the_group_the_recruiter_likes():
    pool = make_pool(two_kinds(60))
    liked = set(np.flatnonzero(pool.groups == pool.groups[-1]).tolist())  # not the offline top's
    hits = []
    for seed in range(20):
        state = new_state("s", pool, recruiter_id=1, contract_id=1, order="thompson", seed=seed,
                          online_weight=0.0)
        shown = run(pool, state, liked, 15)
        hits.append(np.mean([i in liked for i in shown[5:]]))
    assert np.mean(hits) > 0.75


def test_the_online_weights_lift_the_candidates_with_the_liked_skill_within_a_group():
    matrix = sp.lil_matrix((20, 3))
    matrix[:, 0] = 1
    matrix[1::2, 1] = 1          # odd members hold skill 1 (the one the recruiter likes)
    matrix[0::2, 2] = 1
    pool = make_pool(sp.csr_matrix(matrix), groups=np.zeros(20, dtype=np.int64))
    liked = set(range(1, 20, 2))
    learned = new_state("s", pool, recruiter_id=1, contract_id=1, online_weight=1.0)
    offline_only = new_state("s", pool, recruiter_id=1, contract_id=1, online_weight=0.0)
    assert (np.mean([i in liked for i in run(pool, learned, liked, 10)])
            > np.mean([i in liked for i in run(pool, offline_only, liked, 10)]))


def test_a_step_draws_the_same_way_when_retried():
    pool = make_pool(two_kinds())
    state = new_state("s", pool, recruiter_id=1, contract_id=1, seed=11)
    run(pool, state, {0, 1, 2}, 4)
    again = ReviewState.from_bytes(state.to_bytes())
    assert choose_next(pool, state) == choose_next(pool, again)


def test_a_skip_changes_neither_the_groups_nor_the_skills():
    pool = make_pool(two_kinds())
    state = new_state("s", pool, recruiter_id=1, contract_id=1)
    pick = choose_next(pool, state)
    present(state, pick)
    apply_verdict(pool, state, pick.index, "skip")
    assert state.successes == [0, 0] and state.failures == [0, 0] and state.skills.empty
    assert state.counts()["skip"] == 1


def test_a_pool_round_trips_through_json():
    pool = make_pool(two_kinds())
    back = ReviewPool.from_json(pool.to_json())
    assert np.array_equal(back.member_ids, pool.member_ids)
    assert np.array_equal(back.matrix.toarray(), pool.matrix.toarray())
    assert back.group_name(0) == pool.group_name(0)
