"""Properties of the parser and the printer over generated trees and arbitrary text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talent.errors import QueryError
from talent.query import FIELDS, And, Node, Not, Or, Phrase, Term, parse, to_text
from talent.query.ast import count_leaves, is_negative_only
from talent.query.lexer import is_bare_word
from talent.query.parser import MAX_CLAUSES

fields = st.sampled_from((None, *FIELDS))
word_chars = st.sampled_from("abcxyzAZ019+#._-/'&:~é")
words = st.text(word_chars, min_size=1, max_size=8).filter(is_bare_word)
phrases = st.lists(words, min_size=1, max_size=3).map(" ".join).filter(lambda t: '"' not in t)

leaves = st.one_of(st.builds(Term, fields, words), st.builds(Phrase, fields, phrases))


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    groups = st.lists(children, min_size=2, max_size=4)
    return st.one_of(groups.map(And), groups.map(Or), children.map(Not))


trees = st.recursive(leaves, _extend, max_leaves=12).filter(
    lambda t: count_leaves(t) <= MAX_CLAUSES
)

query_soup = st.lists(
    st.sampled_from(
        [
            "(",
            ")",
            '"',
            "\u201c",
            "AND",
            "OR",
            "NOT",
            "-",
            "title:",
            "skill:",
            "Title:",
            "foo:",
            "java",
            "c++",
            "&",
            " ",
            "  ",
            "and",
            "x:y",
            "10:30",
            ":",
            "-(",
            "\t",
            "é",
            "日本",
        ]
    ),
    max_size=30,
).map("".join)


@given(trees)
def test_printing_then_parsing_gives_back_the_same_tree(tree: Node) -> None:
    assert parse(to_text(tree), allow_negative_only=True) == tree


@given(trees)
def test_purely_negative_trees_are_refused_by_default(tree: Node) -> None:
    text = to_text(tree)
    if is_negative_only(tree):
        try:
            parse(text)
        except QueryError:
            return
        raise AssertionError(f"{text!r} matches nearly everyone and was accepted")
    assert parse(text) == tree


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(query_soup, st.text(max_size=200)))
def test_canonical_text_is_a_fixed_point(text: str) -> None:
    try:
        tree = parse(text)
    except QueryError:
        return
    canonical = to_text(tree)
    assert parse(canonical) == tree
    assert to_text(parse(canonical)) == canonical


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        query_soup, st.text(max_size=300), st.text(st.characters(codec="utf-8"), max_size=1200)
    )
)
def test_parser_raises_nothing_but_query_error(text: str) -> None:
    try:
        parse(text)
    except QueryError as error:
        assert error.position is None or 0 <= error.position <= len(text)
