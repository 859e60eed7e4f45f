"""Side by side with the PyPI ``reranking`` package (0.3.6) on identical inputs.

DetGreedy and DetRelaxed give the same permutations. The package's DetConstSort copies the
paper's 1-based bubbling bound into 0-based code and its DetCons takes the argmax: both break
minimums ours meets. Inputs give every group enough candidates for its minimums (on running out
the package falls back to the best remaining candidate, ours to the other groups' rules).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import reranking  # the PyPI package (a dev extra)

from talent.ranking.fairness import infeasible
from talent.ranking.representative import desired_shares, rerank

PACKAGE_NAMES = {"detgreedy": "det_greedy", "detcons": "det_cons", "detrelaxed": "det_relaxed",
                 "detconstsort": "det_const_sort"}
K = 40


def cases(n: int, seed: int, max_groups: int = 8):
    """``n`` inputs (groups best first, shares) with 2..max_groups groups, each group holding
    at least ``ceil(p_i K) + 1`` candidates."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        n_groups = int(rng.integers(2, max_groups + 1))
        shares = desired_shares(rng.integers(1, 100, size=n_groups))
        enough = np.ceil(K * shares).astype(int) + 1
        groups = np.concatenate([np.repeat(np.arange(n_groups), enough),
                                 rng.integers(0, n_groups, size=20)])
        yield rng.permutation(groups), shares


def package_order(groups: np.ndarray, shares: np.ndarray, algorithm: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        order = reranking.rerank(groups.tolist(), dict(enumerate(shares.tolist())), k_max=K,
                                 algorithm=PACKAGE_NAMES[algorithm])
    return np.asarray(order, dtype=np.int64)


def rounding_off(shares: np.ndarray) -> bool:
    """Whether some ``k * p_i`` (k <= K) is an integer that floating point misses by a hair:
    the package floors 12.999999999999998 to 12, ours to 13."""
    products = np.arange(1, K + 1)[:, None] * shares[None, :]
    gap = np.abs(products - np.rint(products))
    return bool(((gap > 0) & (gap < 1e-9)).any())


@pytest.mark.parametrize("algorithm", ["detgreedy", "detrelaxed"])
def test_the_same_permutations_as_the_package(algorithm):
    compared = 0
    for groups, shares in cases(100, seed=1):
        if rounding_off(shares):
            continue
        ours = rerank(groups, shares, algorithm, K)[:K]
        np.testing.assert_array_equal(ours, package_order(groups, shares, algorithm))
        compared += 1
    assert compared >= 90


def test_where_k_times_p_is_an_integer_up_to_rounding_ours_meets_the_exact_minimum():
    shares = desired_shares(np.array([10, 91, 60]))  # 23 * 91 / 161 = 13 (12.999... in floats)
    assert 23 * shares[1] < 13 and rounding_off(shares)
    groups = np.array([1] * 12 + [2] * 20 + [0] * 10 + [1] * 20)
    ours = rerank(groups, shares, "detgreedy", 23)[:23]
    assert (groups[ours] == 1).sum() == 13
    assert (groups[package_order(groups, shares, "detgreedy")][:23] == 1).sum() == 12


@pytest.mark.parametrize("algorithm", ["detconstsort", "detcons"])
def test_the_package_breaks_minimums_where_ours_meets_them(algorithm):
    """With 2 to 8 groups (DetConstSort is feasible at any number of groups; the paper proves
    DetCons for up to 3, and ours meets every minimum of these inputs too)."""
    broken_by_package = 0
    for groups, shares in cases(100, seed=2):
        ours = rerank(groups, shares, algorithm, K)[:K]
        assert infeasible(groups[ours], shares, K) == (0, 0)
        try:
            theirs = package_order(groups, shares, algorithm)
        except KeyError:  # the package's DetCons reads past a group's last candidate
            broken_by_package += 1
            continue
        broken_by_package += infeasible(groups[theirs], shares, len(theirs))[0] > 0
    assert broken_by_package >= 30
