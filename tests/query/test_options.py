"""Query options: title expansion is turned off, forced or told what not to add, in the boolean
syntax and in the structured form."""

from __future__ import annotations

import pytest

from talent.errors import QueryError
from talent.query import parse_query
from talent.query.options import ExpansionOptions, extract_options, merge_options


@pytest.fixture(scope="module")
def taxonomy():
    from talent.taxonomy.fixture import load_fixture_taxonomy

    return load_fixture_taxonomy()


def test_a_query_without_options_allows_automatic_expansion(taxonomy):
    assert parse_query('title:"software engineer"', taxonomy).expansion == ExpansionOptions()


@pytest.mark.parametrize(("text", "mode"), [("title:nurse expand:off", "off"),
                                            ("expand:always title:nurse", "always"),
                                            ("title:nurse EXPAND:Auto", "auto")])
def test_expand_sets_the_mode_and_is_not_a_search_term(taxonomy, text, mode):
    parsed = parse_query(text, taxonomy)
    assert parsed.expansion.mode == mode
    assert parsed.canonical_text == "title:nurse"


def test_noexpand_lists_titles_expansion_must_not_add(taxonomy):
    parsed = parse_query('title:nurse noexpand:"web developers" noexpand:15-1254.00', taxonomy)
    assert parsed.expansion.exclude == ("web developers", "15-1254.00")
    assert parsed.query_type == "title-only"


def test_options_keep_error_positions_of_the_rest_of_the_text(taxonomy):
    with pytest.raises(QueryError) as err:
        parse_query("expand:off title:(nurse", taxonomy)
    assert err.value.position == 17


@pytest.mark.parametrize(("text", "position"), [
    ("NOT expand:off python", 4), ("python OR expand:off", 10), ("(expand:off python)", 1),
    ("python -noexpand:nurse", 8), ("python AND expand:off", 11), ("expand:off OR python", 0),
])
def test_an_option_is_refused_where_it_would_read_as_a_search_term(taxonomy, text, position):
    with pytest.raises(QueryError, match="option of the whole query") as err:
        parse_query(text, taxonomy)
    assert err.value.position == position


@pytest.mark.parametrize(("text", "message"), [
    ("python expand:sometimes", "unknown expansion mode"),
    ("python expand:off expand:always", "given twice"),
    ("python noexpand:", "nothing after"),
    ('python noexpand:"nurse', "unterminated quote"),
    ("expand:off", "only options"),
])
def test_bad_options_are_refused_with_a_reason(taxonomy, text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text, taxonomy)


def test_a_phrase_holding_an_option_word_is_searched_as_typed():
    text, options = extract_options('"expand:off" nurse')
    assert options is None and text == '"expand:off" nurse'


def test_the_structured_form_says_it_with_an_expansion_object(taxonomy):
    parsed = parse_query({"titles": {"must_have": ["nurse"]},
                          "expansion": {"mode": "off", "exclude": ["Web Developers"]}}, taxonomy)
    assert parsed.expansion == ExpansionOptions(mode="off", exclude=("Web Developers",))
    assert parsed.from_structured and parsed.to_dict()["expansion"]["mode"] == "off"


def test_structured_text_options_merge_with_the_expansion_object(taxonomy):
    parsed = parse_query({"text": "title:nurse noexpand:15-1254.00",
                          "expansion": {"exclude": ["Web Developers"]}}, taxonomy)
    assert parsed.expansion.exclude == ("Web Developers", "15-1254.00")


def test_structured_text_of_options_only_is_fine_next_to_facets(taxonomy):
    parsed = parse_query({"text": "expand:always", "titles": {"must_have": ["nurse"]}}, taxonomy)
    assert parsed.ast is None and parsed.expansion.mode == "always"


@pytest.mark.parametrize("bad", [{"mode": "maybe"}, {"mode": "off", "extra": 1},
                                 {"exclude": [""]}])
def test_an_invalid_expansion_object_is_a_query_error_naming_it(taxonomy, bad):
    with pytest.raises(QueryError, match="expansion"):
        parse_query({"text": "nurse", "expansion": bad}, taxonomy)


def test_conflicting_modes_in_text_and_object_are_refused():
    with pytest.raises(QueryError, match="keep one"):
        merge_options(ExpansionOptions(mode="off"), ExpansionOptions(mode="always"))


def test_options_print_back_in_the_boolean_syntax():
    assert ExpansionOptions(mode="off", exclude=("Web Developers",)).to_text() == (
        'expand:off noexpand:"Web Developers"')
    assert ExpansionOptions().to_text() == ""
