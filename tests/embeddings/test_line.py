"""LINE learns first- and second-order proximity; a seed fixes the vectors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from talent.embeddings.line import LineConfig, train_line


def planted(groups: int = 8, size: int = 25, edges: int = 3000, seed: int = 1):
    """Communities: 90% of the edges inside a group."""
    rng = np.random.default_rng(seed)
    n = groups * size
    group = np.repeat(np.arange(groups), size)
    a = rng.integers(0, n, edges)
    inside = rng.random(edges) < 0.9
    b = np.where(inside, group[a] * size + rng.integers(0, size, edges), rng.integers(0, n, edges))
    keep = a != b
    lo, hi = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    key, first = np.unique(lo * n + hi, return_index=True)
    w = rng.integers(1, 5, len(key)).astype(float)
    return lo[first], hi[first], w, n, group


CONFIG = LineConfig(dim=16, samples=150_000, batch_size=500, seed=3)
SMALL = LineConfig(dim=8, samples=20_000, batch_size=500, seed=3)


@pytest.fixture(scope="module")
def community():
    src, dst, w, n, group = planted()
    return train_line(src, dst, w, n, CONFIG), group


def test_the_same_seed_gives_the_same_vectors():
    src, dst, w, n, _ = planted()
    a = train_line(src, dst, w, n, SMALL)
    b = train_line(src, dst, w, n, SMALL)
    for order in (1, 2):
        np.testing.assert_array_equal(a.vectors[order], b.vectors[order])


def test_another_seed_gives_other_vectors():
    src, dst, w, n, _ = planted()
    a = train_line(src, dst, w, n, SMALL)
    b = train_line(src, dst, w, n, LineConfig(dim=8, samples=20_000, batch_size=500, seed=4))
    assert not np.allclose(a.vectors[2], b.vectors[2])


@pytest.mark.parametrize("order", [1, 2])
def test_each_order_places_a_community_together(community, order):
    emb, group = community
    n = len(group)
    vectors = emb.vectors[order]
    sims = vectors @ vectors.T
    iu = np.triu_indices(n, 1)
    same = (group[:, None] == group[None, :])[iu]
    assert roc_auc_score(same, sims[iu]) > 0.9


def test_vectors_are_unit_length_and_the_concatenation_compares_by_mean_cosine(community):
    emb, _ = community
    np.testing.assert_allclose(np.linalg.norm(emb.vectors[1], axis=1), 1.0, rtol=1e-5)
    both = emb.combined()
    np.testing.assert_allclose(both[0] @ both[1],
                               (emb.vectors[1][0] @ emb.vectors[1][1]
                                + emb.vectors[2][0] @ emb.vectors[2][1]) / 2, rtol=1e-5)


def test_an_isolated_node_gets_a_zero_vector():
    src, dst, w, n, _ = planted()
    emb = train_line(src, dst, w, n + 1, SMALL)
    assert not emb.vectors[2][n].any()


def test_the_default_samples_follow_the_graph_size_within_bounds():
    cfg = LineConfig()
    assert cfg.samples_for(10) == 2_000_000
    assert cfg.samples_for(1_000_000) == 20_000_000
    assert cfg.samples_for(10**9) == 200_000_000
    assert LineConfig(samples=5).samples_for(10**9) == 5


@pytest.mark.parametrize("bad", [dict(dim=4), dict(orders=(3,)), dict(negatives=0)])
def test_settings_outside_lines_range_are_refused(bad):
    with pytest.raises(ValueError):
        LineConfig(**bad)


def test_edges_without_positive_weight_are_refused():
    with pytest.raises(ValueError):
        train_line(np.array([0]), np.array([1]), np.array([0.0]), 2, CONFIG)


def test_a_small_graph_in_large_batches_stays_finite():
    # every node is drawn dozens of times a step: summed updates used to overflow
    src, dst = np.array([0, 0, 1, 2, 3]), np.array([1, 2, 2, 3, 4])
    emb = train_line(src, dst, np.array([5.0, 1.0, 2.0, 1.0, 3.0]), 5,
                     LineConfig(dim=8, samples=50_000, batch_size=2000, seed=1))
    for vectors in emb.vectors.values():
        assert np.isfinite(vectors).all()
