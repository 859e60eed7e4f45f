"""LINE learns first- and second-order proximity; a seed fixes the vectors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from talent.embeddings.line import LineConfig, sampling_weights, train_line


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
    assert cfg.samples_for(10**9) == 400_000_000
    assert LineConfig(samples=5).samples_for(10**9) == 5


@pytest.mark.parametrize("bad", [dict(dim=4), dict(orders=(3,)), dict(negatives=0),
                                 dict(edge_sampling="uniform")])
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


def test_per_type_sampling_gives_every_kind_of_edge_the_same_share():
    weight = np.array([100.0, 300.0, 1.0, 3.0, 2.0])
    types = np.array([0, 0, 5, 5, 9])
    drawn = sampling_weights(weight, types, "per-type")
    shares = np.bincount(types, weights=drawn) / drawn.sum()
    np.testing.assert_allclose(shares[[0, 5, 9]], 1 / 3)
    # within a type, still in proportion to weight
    assert drawn[1] == pytest.approx(3 * drawn[0]) and drawn[3] == pytest.approx(3 * drawn[2])
    np.testing.assert_array_equal(sampling_weights(weight, types, "weight"), weight)
    np.testing.assert_array_equal(sampling_weights(weight, None, "per-type"), weight)


def test_per_type_sampling_learns_the_structure_of_a_light_kind_of_edge():
    # two kinds of edges on the same nodes: a heavy kind joining everything at random and a
    # light kind (1.5% of the weight) holding the communities; balanced sampling finds them
    src, dst, w, n, group = planted(edges=3000)
    rng = np.random.default_rng(5)
    noise_a, noise_b = rng.integers(0, n, 6000), rng.integers(0, n, 6000)
    keep = noise_a != noise_b
    a = np.r_[src, np.minimum(noise_a, noise_b)[keep]]
    b = np.r_[dst, np.maximum(noise_a, noise_b)[keep]]
    weight = np.r_[w / 10, np.full(keep.sum(), 5.0)]
    types = np.r_[np.zeros(len(src), np.int64), np.ones(keep.sum(), np.int64)]
    iu = np.triu_indices(n, 1)
    same = (group[:, None] == group[None, :])[iu]
    auc = {}
    for mode in ("weight", "per-type"):
        cfg = LineConfig(dim=16, samples=150_000, batch_size=500, seed=3, orders=(1,),
                         edge_sampling=mode)
        vectors = train_line(a, b, weight, n, cfg, edge_types=types).vectors[1]
        auc[mode] = roc_auc_score(same, (vectors @ vectors.T)[iu])
    assert auc["per-type"] > 0.9 > auc["weight"]


def test_raw_vectors_are_kept_on_request():
    src, dst, w, n, _ = planted()
    emb = train_line(src, dst, w, n, SMALL, keep_raw=True)
    vertex, context = emb.raw[2]
    assert vertex.shape == context.shape == (n, 8) and not np.allclose(vertex, context)
    assert emb.raw[1][0] is emb.raw[1][1]      # first order: a node is its own context
    assert not train_line(src, dst, w, n, SMALL).raw


def test_edge_types_must_match_the_edges():
    src, dst, w, n, _ = planted()
    with pytest.raises(ValueError, match="one code per edge"):
        train_line(src, dst, w, n, SMALL, edge_types=np.zeros(3, np.int64))
