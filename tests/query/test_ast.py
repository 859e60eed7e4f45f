"""The query tree: value semantics and the helpers the broker walks it with."""

from __future__ import annotations

import pickle

import pytest

from talent.query import And, Not, Or, Phrase, Term, parse_query
from talent.query.ast import count_leaves, has_or, is_negative_only, leaves, to_dict
from talent.taxonomy.model import Taxonomy

a, b, c = Term(None, "a"), Term("skill", "b"), Phrase("title", "c d")


def test_nodes_are_hashable_and_compare_by_value() -> None:
    assert And([a, b]) == And((a, b))
    assert len({And([a, b]), And([a, b]), Or([a, b])}) == 2


def test_nodes_are_immutable() -> None:
    with pytest.raises(AttributeError):
        a.text = "z"  # type: ignore[misc]


@pytest.mark.parametrize("kind", [And, Or])
def test_and_and_or_need_two_items(kind: type) -> None:
    with pytest.raises(ValueError, match="at least two"):
        kind([a])


def test_leaves_carry_their_polarity() -> None:
    tree = And([a, Not(Or([b, Not(c)]))])
    assert list(leaves(tree)) == [(a, False), (b, True), (c, False)]
    assert count_leaves(tree) == 3


def test_has_or_looks_everywhere() -> None:
    assert has_or(And([a, Not(Or([b, c]))]))
    assert not has_or(And([a, Not(b)]))


@pytest.mark.parametrize(
    ("tree", "negative"),
    [
        (Not(a), True),
        (Not(Not(a)), False),
        (And([Not(a), Not(b)]), True),
        (And([a, Not(b)]), False),
        (Or([a, Not(b)]), True),
        (Not(And([a, b])), True),
    ],
)
def test_negative_only(tree: And | Or | Not, negative: bool) -> None:
    assert is_negative_only(tree) is negative


def test_to_dict_is_json_shaped() -> None:
    assert to_dict(Or([a, Not(c)])) == {
        "or": [{"term": "a", "field": None}, {"not": {"phrase": "c d", "field": "title"}}]
    }


def test_parsed_query_survives_pickling(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query({"text": 'title:"sr swe" python', "open_to_work": True}, tiny_taxonomy)
    copy = pickle.loads(pickle.dumps(parsed))
    assert copy.ast == parsed.ast
    assert copy.standardizations == parsed.standardizations
    assert copy.by_leaf == parsed.by_leaf
