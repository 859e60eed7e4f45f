"""parse_query: text or structured form in, ParsedQuery (tree, facets, standardizations, type)
out."""

from __future__ import annotations

import json
import time

import pytest

from talent.errors import QueryError
from talent.query import ParsedQuery, Phrase, Standardizer, Term, parse_query, standardizer_for
from talent.taxonomy.model import Taxonomy

SOFTWARE = "15-1252.00"
DATA_SCIENCE = "15-2051.00"


def summary(parsed: ParsedQuery) -> list[tuple[str, str, object, str, str]]:
    return [(s.field, s.raw, s.id, s.source, s.role) for s in parsed.standardizations]


# --- text queries ---------------------------------------------------------------------------------
def test_fielded_title_is_standardized_and_linked_to_its_leaf(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query('title:"sr swe"', tiny_taxonomy)
    record = parsed.by_leaf[Phrase("title", "sr swe")]
    assert (record.id, record.label, record.seniority, record.source, record.role) == (
        SOFTWARE,
        "Software Developers",
        4,
        "text",
        "include",
    )
    assert record.display() == "title: Software Developers (15-1252.00)"


def test_negated_fielded_leaf_is_an_exclude(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query("python -title:manager NOT skill:java", tiny_taxonomy)
    assert [(s.field, s.role) for s in parsed.standardizations if s.source == "text"] == [
        ("title", "exclude"),
        ("skill", "exclude"),
    ]
    assert parsed.skill_ids(roles=("exclude",)) == ["tech:java"]
    assert parsed.skill_ids() == ["tech:python"]


def test_unmapped_fielded_value_stays_as_text(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query('title:"underwater basket weaver"', tiny_taxonomy)
    (record,) = parsed.unmapped()
    assert (record.id, record.method, record.confidence) == (None, "unmapped", 0.0)
    assert record.display() == "title: underwater basket weaver (as text)"
    assert parsed.title_ids() == []


def test_keywords_are_tagged_as_titles_and_skills(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query("sr swe python", tiny_taxonomy)
    assert summary(parsed) == [
        ("title", "sr swe", SOFTWARE, "tagged", "include"),
        ("skill", "python", "tech:python", "tagged", "include"),
    ]
    assert parsed.free_text_terms() == []
    assert parsed.seniority_levels() == [4]


def test_tagging_does_not_cross_an_or(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query("(software OR data) engineer", tiny_taxonomy)
    assert parsed.title_ids() == []


def test_negated_keywords_are_not_tagged(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query("engineer -python", tiny_taxonomy)
    assert parsed.skill_ids(roles=("include", "exclude")) == []
    assert parsed.free_text_terms() == ["engineer"]


def test_a_leaf_typed_twice_is_recorded_twice_and_linked_once(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query("skill:python OR (skill:python java)", tiny_taxonomy)
    assert [s.raw for s in parsed.records("skill")].count("python") == 2
    assert parsed.by_leaf[Term("skill", "python")].id == "tech:python"
    assert parsed.skill_ids() == ["tech:python", "tech:java"]


def test_company_location_and_school_fields(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query('company:"acme inc" location:"Seattle, WA" school:stanford', tiny_taxonomy)
    assert parsed.company_names() == ["Acme Corp"]
    assert parsed.metro_ids() == [2]
    assert parsed.school_names() == []  # "stanford" alone is too far from "stanford university"
    assert [s.raw for s in parsed.unmapped()] == ["stanford"]


# --- structured queries ---------------------------------------------------------------------------
def test_structured_facets_are_standardized_with_their_roles(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query(
        {
            "titles": {"must_have": ["Software Dev"], "can_have": ["ds"]},
            "skills": {"doesnt_have": ["javascrpit"]},
            "companies": {"can_have": ["Walt Disney"]},
            "locations": {"must_have": ["NYC"]},
            "industries": {"must_have": ["Entertainment"]},
            "seniority": {"can_have": ["senior"]},
        },
        tiny_taxonomy,
    )
    assert summary(parsed) == [
        ("title", "Software Dev", SOFTWARE, "facet", "must_have"),
        ("title", "ds", DATA_SCIENCE, "facet", "can_have"),
        ("skill", "javascrpit", "tech:javascript", "facet", "doesnt_have"),
        ("company", "Walt Disney", "The Walt Disney Company", "facet", "can_have"),
        ("location", "NYC", 1, "facet", "must_have"),
        ("industry", "Entertainment", 10, "facet", "must_have"),
        ("seniority", "4", 4, "facet", "can_have"),
    ]
    assert parsed.ast is None and parsed.text is None and parsed.from_structured
    assert parsed.title_ids(roles=("must_have",)) == [SOFTWARE]
    assert parsed.skill_ids(roles=("doesnt_have",)) == ["tech:javascript"]


def test_structured_text_is_parsed_alongside_the_facets(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query({"text": "python", "titles": {"must_have": ["swe"]}}, tiny_taxonomy)
    assert parsed.ast == Term(None, "python")
    assert parsed.title_ids() == [SOFTWARE]
    assert parsed.skill_ids() == ["tech:python"]


def test_negative_text_is_accepted_when_facets_restrict_the_result(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query({"text": "NOT java", "titles": {"must_have": ["swe"]}}, tiny_taxonomy)
    assert parsed.canonical_text == "NOT java"


def test_negative_text_with_only_optional_facets_is_refused(tiny_taxonomy: Taxonomy) -> None:
    with pytest.raises(QueryError, match="nearly everyone"):
        parse_query({"text": "NOT java", "skills": {"can_have": ["python"]}}, tiny_taxonomy)


def test_structured_query_of_only_exclusions_is_refused(tiny_taxonomy: Taxonomy) -> None:
    with pytest.raises(QueryError, match="only excludes"):
        parse_query({"skills": {"doesnt_have": ["php"]}}, tiny_taxonomy)


def test_empty_structured_query_is_refused(tiny_taxonomy: Taxonomy) -> None:
    with pytest.raises(QueryError, match="empty"):
        parse_query({"text": "   "}, tiny_taxonomy)


def test_invalid_structured_query_becomes_query_error(tiny_taxonomy: Taxonomy) -> None:
    with pytest.raises(QueryError, match="seniority"):
        parse_query({"seniority": {"must_have": [12]}}, tiny_taxonomy)


def test_syntax_error_in_structured_text_keeps_its_position(tiny_taxonomy: Taxonomy) -> None:
    with pytest.raises(QueryError) as info:
        parse_query({"text": "python AND", "open_to_work": True}, tiny_taxonomy)
    assert info.value.position == 10


# --- query types ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "query_type"),
    [
        ("sr swe", "title-only"),
        ('title:"data scientist" location:seattle', "title-only"),
        ("software engineer python", "title+skills"),
        ('title:swe skill:"machine learning"', "title+skills"),
        ("python k8s", "skills-only"),
        ('title:swe OR title:"data scientist"', "boolean-or"),
        ("python remote", "free-text"),
        ('company:acme location:"Seattle, WA"', "structured"),
        ({"locations": {"must_have": ["Seattle"]}, "open_to_work": True}, "structured"),
        ({"titles": {"must_have": ["swe"]}, "skills": {"can_have": ["python"]}}, "title+skills"),
    ],
)
def test_query_type(tiny_taxonomy: Taxonomy, query: object, query_type: str) -> None:
    assert parse_query(query, tiny_taxonomy).query_type == query_type  # type: ignore[arg-type]


# --- output ---------------------------------------------------------------------------------------
def test_to_json_round_trips_through_json(tiny_taxonomy: Taxonomy) -> None:
    parsed = parse_query(
        {"text": "title:(swe OR ds) python", "seniority": {"must_have": [4]}}, tiny_taxonomy
    )
    data = json.loads(parsed.to_json())
    assert data["canonical"] == "(title:swe OR title:ds) AND python"
    assert data["query_type"] == "boolean-or"
    assert data["ast"]["and"][1] == {"term": "python", "field": None}
    assert data["facets"]["seniority"]["must_have"] == [4]
    assert [s["id"] for s in data["standardizations"]] == [SOFTWARE, DATA_SCIENCE, "tech:python", 4]


def test_standardizer_is_built_once_per_taxonomy(tiny_taxonomy: Taxonomy) -> None:
    assert standardizer_for(tiny_taxonomy) is standardizer_for(tiny_taxonomy)


def test_a_ready_standardizer_can_be_passed(standardizer: Standardizer) -> None:
    assert parse_query("python", standardizer).skill_ids() == ["tech:python"]


def test_fixture_taxonomy_end_to_end(fixture_taxonomy: Taxonomy) -> None:
    parsed = parse_query('sr swe python -php location:"Seattle, WA"', fixture_taxonomy)
    assert parsed.query_type == "title+skills"
    assert parsed.title_ids() == [SOFTWARE]
    assert parsed.seniority_levels() == [4]
    assert "tech:python" in parsed.skill_ids()
    assert len(parsed.metro_ids()) == 1


def test_parse_and_standardize_is_fast(fixture_taxonomy: Taxonomy) -> None:
    standardizer = Standardizer(fixture_taxonomy)  # fresh: no memoized lookups
    queries = [
        f'sr swe{i} python k8s -php location:"Seattle, WA" company:brightloop{i}'
        for i in range(200)
    ]
    start = time.perf_counter()
    for query in queries:
        parse_query(query, standardizer)
    per_query = (time.perf_counter() - start) / len(queries)
    assert per_query < 0.02  # typical ~0.3 ms; the bound only catches accidental quadratic work
