"""The boolean syntax recruiters type: what parses to what, and what is refused where."""

from __future__ import annotations

import pytest

from talent.errors import QueryError
from talent.query import MAX_CLAUSES, MAX_DEPTH, MAX_QUERY_CHARS, And, Not, Or, Phrase, Term, parse


def kw(text: str) -> Term:
    return Term(None, text)


# --- terms, phrases, implicit AND --------------------------------------------------------------
def test_single_word_is_a_keyword_term() -> None:
    assert parse("python") == kw("python")


def test_words_side_by_side_are_an_implicit_and() -> None:
    assert parse("python  django") == And([kw("python"), kw("django")])


def test_explicit_and_equals_implicit_and() -> None:
    assert parse("python AND django") == parse("python django")


def test_quoted_words_are_one_phrase_with_whitespace_squeezed() -> None:
    assert parse('"data   scientist"') == Phrase(None, "data scientist")


def test_curly_quotes_delimit_phrases_too() -> None:
    assert parse("\u201cdata scientist\u201d") == Phrase(None, "data scientist")


def test_words_keep_their_spelling_and_symbols() -> None:
    assert parse("C++ C# .NET node.js") == And([kw("C++"), kw("C#"), kw(".NET"), kw("node.js")])


def test_lower_case_operators_are_plain_words() -> None:
    assert parse("sales and marketing or not") == And(
        [kw("sales"), kw("and"), kw("marketing"), kw("or"), kw("not")]
    )


def test_words_without_searchable_characters_are_dropped() -> None:
    assert parse("research & development") == And([kw("research"), kw("development")])


def test_colon_inside_a_word_that_is_not_a_field_prefix_stays_in_the_word() -> None:
    assert parse("10:30") == kw("10:30")


# --- precedence --------------------------------------------------------------------------------
def test_and_binds_tighter_than_or() -> None:
    assert parse("a OR b AND c") == Or([kw("a"), And([kw("b"), kw("c")])])


def test_implicit_and_binds_tighter_than_or() -> None:
    assert parse("a b OR c") == Or([And([kw("a"), kw("b")]), kw("c")])


def test_not_binds_tighter_than_and() -> None:
    assert parse("NOT a b") == And([Not(kw("a")), kw("b")])


def test_parentheses_override_precedence() -> None:
    assert parse("(a OR b) c") == And([Or([kw("a"), kw("b")]), kw("c")])


def test_chains_of_one_operator_are_one_node() -> None:
    assert parse("a OR b OR c") == Or([kw("a"), kw("b"), kw("c")])


def test_parenthesized_groups_stay_nested() -> None:
    assert parse("a AND (b AND c)") == And([kw("a"), And([kw("b"), kw("c")])])


def test_redundant_parentheses_around_one_item_vanish() -> None:
    assert parse("((python)) java") == And([kw("python"), kw("java")])


def test_minus_is_not_shorthand() -> None:
    assert parse("python -django") == And([kw("python"), Not(kw("django"))])


def test_hyphen_inside_a_word_is_not_a_negation() -> None:
    assert parse("front-end") == kw("front-end")


def test_minus_applies_to_a_group() -> None:
    assert parse("python -(php OR perl)") == And([kw("python"), Not(Or([kw("php"), kw("perl")]))])


# --- fields --------------------------------------------------------------------------------------
def test_field_prefix_applies_to_a_word() -> None:
    assert parse("title:engineer") == Term("title", "engineer")


def test_field_prefix_applies_to_a_phrase() -> None:
    assert parse('title:"data scientist"') == Phrase("title", "data scientist")


def test_field_prefix_applies_to_every_leaf_of_a_group() -> None:
    assert parse('title:(engineer OR "data scientist")') == Or(
        [Term("title", "engineer"), Phrase("title", "data scientist")]
    )


def test_field_prefix_is_case_insensitive() -> None:
    assert parse("Skill:python") == Term("skill", "python")


@pytest.mark.parametrize("field", ["title", "skill", "company", "location", "school"])
def test_every_documented_field_is_accepted(field: str) -> None:
    assert parse(f"{field}:x1") == Term(field, "x1")  # type: ignore[arg-type]


def test_the_same_field_may_repeat_inside_its_group() -> None:
    assert parse("skill:(python skill:go)") == And([Term("skill", "python"), Term("skill", "go")])


def test_negation_inside_a_fielded_group_keeps_the_field() -> None:
    assert parse("title:(engineer NOT manager)") == And(
        [Term("title", "engineer"), Not(Term("title", "manager"))]
    )


# --- refusals with positions ----------------------------------------------------------------------
def refusal(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse(text)
    return info.value


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_query_is_refused(text: str) -> None:
    assert "empty" in refusal(text).message


def test_query_of_only_symbols_is_refused() -> None:
    assert "no words" in refusal("& / &").message


def test_unclosed_parenthesis_points_at_the_opening_one() -> None:
    error = refusal("python (java OR go")
    assert (error.position, error.expected) == (7, "')'")
    assert "unbalanced" in error.message


def test_stray_closing_parenthesis_points_at_itself() -> None:
    error = refusal("python) java")
    assert error.position == 6
    assert "unbalanced" in error.message


def test_empty_parentheses_are_refused() -> None:
    assert refusal("python ()").position == 8


def test_dangling_and_points_at_the_end() -> None:
    error = refusal("python AND")
    assert error.position == 10
    assert "AND" in error.message


def test_operator_without_a_left_side_points_at_itself() -> None:
    error = refusal("OR python")
    assert error.position == 0
    assert "OR" in error.message


def test_two_operators_in_a_row_point_at_the_second() -> None:
    assert refusal("python AND OR java").position == 11


def test_unterminated_quote_points_at_the_quote() -> None:
    error = refusal('python "data scientist')
    assert (error.position, error.expected) == (7, 'a closing "')


def test_empty_phrase_is_refused() -> None:
    assert refusal('python ""').position == 7


def test_unknown_field_prefix_names_the_known_ones() -> None:
    error = refusal("python salary:100k")
    assert error.position == 7
    assert "salary" in error.message
    assert error.expected is not None and "title:" in error.expected


def test_field_prefix_followed_by_a_space_is_refused() -> None:
    assert refusal("title: engineer").position == 6


def test_field_prefix_with_nothing_after_it_is_refused() -> None:
    assert refusal("python title:").position == 13


def test_a_different_field_inside_a_fielded_group_is_refused() -> None:
    assert refusal("title:(engineer skill:python)").position == 16


@pytest.mark.parametrize(
    ("text", "position"), [("NOT", 3), ("python NOT", 10), ("(python NOT)", 11), ("NOT OR x", 4)]
)
def test_not_with_nothing_after_it_is_refused(text: str, position: int) -> None:
    error = refusal(text)
    assert error.position == position
    assert "nothing after it" in error.message


@pytest.mark.parametrize(
    "text", ["NOT java", "-java", "NOT java NOT php", "python OR NOT java", "-(a b)"]
)
def test_purely_negative_query_is_refused(text: str) -> None:
    assert "nearly everyone" in refusal(text).message


def test_purely_negative_query_is_accepted_when_the_caller_allows_it() -> None:
    assert parse("NOT java", allow_negative_only=True) == Not(kw("java"))


def test_double_negation_is_positive() -> None:
    assert parse("NOT NOT java") == Not(Not(kw("java")))


def test_query_over_the_length_limit_is_refused() -> None:
    error = refusal("a" * (MAX_QUERY_CHARS + 1))
    assert str(MAX_QUERY_CHARS) in error.message.replace(",", "")


def test_query_at_the_length_limit_is_accepted() -> None:
    assert parse("a" * MAX_QUERY_CHARS) == kw("a" * MAX_QUERY_CHARS)


def test_query_over_the_clause_limit_is_refused_at_the_first_extra_clause() -> None:
    text = " ".join(["x"] * (MAX_CLAUSES + 1))
    error = refusal(text)
    assert error.position == 2 * MAX_CLAUSES
    assert str(MAX_CLAUSES) in error.message


def test_query_at_the_clause_limit_is_accepted() -> None:
    assert len(parse(" ".join(["x"] * MAX_CLAUSES)).items) == MAX_CLAUSES  # type: ignore[union-attr]


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    assert "deep" in refusal("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)).message
    assert "deep" in refusal("-" * (MAX_DEPTH + 1) + "x y").message


def test_nesting_at_the_limit_is_accepted() -> None:
    assert parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == kw("x")


def test_error_string_carries_position_and_expectation() -> None:
    assert (
        str(refusal("(x"))
        == "unbalanced parenthesis: '(' is never closed at position 0; expected ')'"
    )
