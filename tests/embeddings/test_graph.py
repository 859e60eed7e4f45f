"""The entity graph: an edge's weight is the number of members holding both entities."""

from __future__ import annotations

import numpy as np
import pytest

from talent.embeddings.graph import EntityGraph, IncidenceBuilder, title_key


def _toy() -> EntityGraph:
    # members 0..3: occupations (current and past), skills, a company
    b = IncidenceBuilder(4)
    b.add_kind("occupation", ["A", "B", "C"], ["Occ A", "Occ B", "Occ C"],
               np.array([0, 0, 1, 2, 3, 3]), np.array([0, 1, 0, 1, 2, 2]))
    b.add_kind("skill", ["py", "sql"], ["Python", "SQL"],
               np.array([0, 1, 1, 2]), np.array([0, 0, 1, 1]))
    b.add_kind("company", ["7"], ["Acme"], np.array([0, 3]), np.array([0, 0]))
    return b.graph()


def test_edge_weight_counts_the_members_holding_both_ends():
    g = _toy()
    a = g.adjacency.toarray()
    A, B, C = (g.node("occupation", k) for k in "ABC")
    py, sql = g.node("skill", "py"), g.node("skill", "sql")
    acme = g.node("company", "7")
    assert a[A, B] == 1            # member 0 held both (current and past)
    assert a[A, py] == 2           # members 0 and 1
    assert a[B, sql] == 1          # member 2
    assert a[C, acme] == 1         # member 3; holding C twice counts once
    assert a[py, sql] == 1         # member 1
    assert a[A, C] == 0
    np.testing.assert_array_equal(a, a.T)
    assert np.all(np.diag(a) == 0)


def test_members_holding_an_entity_are_counted_once_each():
    g = _toy()
    assert g.node_members[g.node("occupation", "A")] == 2
    assert g.node_members[g.node("occupation", "C")] == 1


def test_rare_entities_are_left_out():
    b = IncidenceBuilder(3)
    kept = b.add_kind("title", ["common", "rare"], ["Common", "Rare"],
                      np.array([0, 1, 2, 2]), np.array([0, 0, 0, 1]), min_members=2)
    assert kept == 1
    assert b.graph().node("title", "rare") is None


def test_edges_lighter_than_the_minimum_weight_are_dropped():
    g = IncidenceBuilder(3)
    g.add_kind("skill", ["a", "b", "c"], ["a", "b", "c"], np.array([0, 0, 1, 1, 2, 2]),
               np.array([0, 1, 0, 1, 1, 2]))
    graph = g.graph(min_weight=2)
    assert graph.n_edges == 1
    src, dst, w = graph.edges()
    assert (graph.keys[src[0]], graph.keys[dst[0]], w[0]) == ("a", "b", 2.0)


def test_a_saved_graph_loads_identically(tmp_path):
    g = _toy()
    g.save(tmp_path)
    back = EntityGraph.load(tmp_path)
    assert back.keys == g.keys and back.labels == g.labels
    np.testing.assert_array_equal(back.adjacency.toarray(), g.adjacency.toarray())
    np.testing.assert_array_equal(back.node_members, g.node_members)


def test_removing_held_out_edges_keeps_every_other_edge():
    g = _toy()
    src, dst, _ = g.edges()
    rest = g.without_edges(src[:2], dst[:2])
    assert rest.n_edges == g.n_edges - 2
    assert rest.adjacency[src[0], dst[0]] == 0 and rest.adjacency[dst[0], src[0]] == 0


@pytest.mark.parametrize(("raw", "key"), [
    ("Sr. Software Engineers II", "software engineer"),
    ("Senior Registered Nurse", "registered nurse"),
    ("SWE", "software engineer"),
    ("Senior", ""),
])
def test_raw_titles_are_keyed_without_seniority_plural_or_abbreviations(raw, key):
    assert title_key(raw) == key
