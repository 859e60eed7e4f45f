"""Quality figures: nearest titles judged by the taxonomy, the baselines, link prediction."""

from __future__ import annotations

import numpy as np
import pytest

from talent.embeddings.artifact import NodeSimilarity
from talent.embeddings.baselines import CooccurrenceCosine, TaxonomyRelated
from talent.embeddings.graph import KIND_CODE, IncidenceBuilder
from talent.embeddings.line import LineConfig, LineEmbeddings
from talent.embeddings.quality import (
    edge_scores,
    link_prediction,
    nearest_title_quality,
    raw_title_quality,
    related_sets,
)


class Tax:
    """The part of a taxonomy the judges read."""

    def __init__(self, related):
        self.related = related


# occupations: a1, a2, a3 related (family a); b1, b2 related (family b)
RELATED = {"11-1111.00": ["11-1112.00", "11-1113.00"], "11-1112.00": ["11-1113.00"],
           "22-2221.00": ["22-2222.00"]}
A1, A2, A3, B1, B2 = "11-1111.00", "11-1112.00", "11-1113.00", "22-2221.00", "22-2222.00"


def graph():
    """30 members per family, sharing their family's skills; a few cross over."""
    occ = [A1, A2, A3, B1, B2]
    rng = np.random.default_rng(0)
    rows, occs, skill_rows, skills = [], [], [], []
    for m in range(150):
        o = m % 5
        rows.append(m)
        occs.append(o)
        fam = 0 if o < 3 else 1
        for s in rng.choice(4, 3, replace=False):
            skill_rows.append(m)
            skills.append(fam * 4 + s)
        if rng.random() < 0.05:
            skill_rows.append(m)
            skills.append((1 - fam) * 4)
    b = IncidenceBuilder(150)
    b.add_kind("occupation", occ, occ, np.array(rows), np.array(occs))
    b.add_kind("skill", [f"s{i}" for i in range(8)], [f"S{i}" for i in range(8)],
               np.array(skill_rows), np.array(skills))
    return b.graph()


def test_related_occupations_count_in_either_direction():
    related = related_sets(Tax(RELATED))
    assert A1 in related[A3] and A3 in related[A1] and B1 in related[B2]


def test_a_similarity_that_follows_the_families_scores_full_marks():
    g = graph()
    v = np.zeros((g.n_nodes, 2), np.float32)
    for i, key in enumerate(g.keys):
        v[i] = [1.0, 0.0] if key.startswith("11") or key in ("s0", "s1", "s2", "s3") else [0, 1]
    sim = NodeSimilarity("families", "", g.kinds, g.keys, g.labels, v, g.node_members)
    q = nearest_title_quality(sim, g, Tax(RELATED), k=1, min_members=1)
    assert q.queries == 5 and q.related_at_k == 1.0


def test_a_similarity_that_mixes_families_loses_marks():
    g = graph()
    occ = g.nodes_of("occupation")
    v = np.zeros((g.n_nodes, 2), np.float32)
    v[occ] = [[1, 0], [0, 1], [0, 1], [1, 0], [0, 1]]  # a1~b1, a2~a3~b2
    sim = NodeSimilarity("mixed", "", g.kinds, g.keys, g.labels, v, g.node_members)
    q = nearest_title_quality(sim, g, Tax(RELATED), k=1, min_members=1)
    assert q.related_at_k < 1.0


def test_cooccurrence_cosine_finds_the_family_from_shared_skills():
    g = graph()
    q = nearest_title_quality(CooccurrenceCosine(g), g, Tax(RELATED), k=1, min_members=1)
    assert q.related_at_k == 1.0


def test_the_taxonomy_baseline_returns_its_related_list_in_order():
    g = graph()
    base = TaxonomyRelated(g, Tax(RELATED))
    got = base.nearest([g.node("occupation", A1)], "occupation", 5)
    assert [g.keys[n] for n, _ in got] == [A2, A3]
    assert got[0][1] > got[1][1]
    assert base.nearest([g.node("skill", "s0")], "skill", 5) == []


def test_raw_titles_are_judged_by_their_members_majority_occupation():
    b = IncidenceBuilder(40)
    members = np.arange(40)
    b.add_kind("occupation", [A1, B1], [A1, B1], members, (members >= 30).astype(int))
    b.add_kind("title", ["boss"], ["Boss"], members[:25], np.zeros(25, int))
    g = b.graph()
    q = raw_title_quality(CooccurrenceCosine(g), g, Tax(RELATED), k=1, min_members=1)
    assert q.queries == 1 and q.related_at_k == 1.0   # the boss title's nearest is A1


@pytest.mark.parametrize("mode", ["uniform", "degree"])
def test_link_prediction_reports_each_order_both_and_the_baseline(mode):
    g = graph()
    results = {r.negatives: r for r in link_prediction(
        g, LineConfig(dim=8, samples=40_000, batch_size=200), holdout=0.2)}
    auc = results[mode].auc
    assert set(auc) == {"first order, cosine", "second order, cosine", "first + second, cosine",
                        "first order, edge probability", "second order, edge probability",
                        "first + second, edge probability", "first order, inner product",
                        "second order, inner product", "first + second, inner product",
                        "co-occurrence cosine",
                        "degree product"}
    assert results[mode].held_out_edges > 0
    assert auc["first + second, cosine"] > 0.5
    assert auc["first + second, edge probability"] > 0.5


def test_kind_codes_cover_every_node_kind():
    assert set(KIND_CODE) == {"occupation", "title", "skill", "company"}


def test_edge_probability_adds_the_degrees_the_inner_product_leaves_out():
    # equal vectors everywhere: the inner products tie, the edge probability ranks by degree
    vertex = np.full((4, 8), 0.1, np.float32)
    emb = LineEmbeddings({1: vertex / np.linalg.norm(vertex[0])}, LineConfig(dim=8, orders=(1,)),
                         samples=1, raw={1: (vertex, vertex)},
                         degree=np.array([1.0, 10.0, 100.0, 1000.0]))
    scores = edge_scores(emb, np.array([0, 2]), np.array([1, 3]))
    assert scores["first order, inner product"][0] == pytest.approx(
        scores["first order, inner product"][1])
    prob = scores["first order, edge probability"]
    # log P(i, j) = x + (1 + 0.75) / 2 (log d_i + log d_j) + const
    assert prob[1] - prob[0] == pytest.approx(0.875 * (np.log(100_000) - np.log(10)))
    assert "second order, inner product" not in scores
