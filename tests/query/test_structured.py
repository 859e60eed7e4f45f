"""The structured (JSON) query form: what validates, and how refusals read."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from talent.errors import QueryError
from talent.query import StructuredQuery, parse_structured
from talent.query.structured import MAX_FACET_VALUES


def refusal(data: Any) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse_structured(data)
    return info.value


def test_full_form_validates() -> None:
    query = parse_structured(
        {
            "text": "python OR golang",
            "titles": {"must_have": ["sr swe"]},
            "skills": {"can_have": ["kubernetes"], "doesnt_have": ["php"]},
            "locations": {"must_have": ["Seattle, WA"]},
            "industries": {"can_have": [4, "Software Development"]},
            "seniority": {"must_have": [4, "lead"]},
            "years_experience": {"min": 3, "max": 10},
            "open_to_work": True,
        }
    )
    assert query.titles.must_have == ["sr swe"]
    assert query.industries.can_have == [4, "Software Development"]
    assert query.seniority.must_have == [4, 5]
    assert query.years_experience is not None and (
        query.years_experience.min,
        query.years_experience.max,
    ) == (3, 10)


def test_missing_facets_default_to_empty_lists() -> None:
    query = parse_structured({"text": "python"})
    assert (query.skills.must_have, query.skills.can_have, query.skills.doesnt_have) == ([], [], [])


def test_facet_values_are_stripped() -> None:
    assert parse_structured({"skills": {"must_have": ["  python "]}}).skills.must_have == ["python"]


@pytest.mark.parametrize("name", ["Mid-Senior", "mid senior", "MID_SENIOR"])
def test_seniority_names_are_accepted_in_any_spelling(name: str) -> None:
    assert parse_structured({"seniority": {"must_have": [name]}}).seniority.must_have == [3]


@pytest.mark.parametrize("level", [-1, 9, "wizard"])
def test_seniority_outside_the_levels_is_refused(level: Any) -> None:
    error = refusal({"seniority": {"must_have": [level]}})
    assert "seniority.must_have.0" in error.message
    assert error.expected is not None and "0..8" in error.expected


def test_blank_facet_value_is_refused_naming_its_place() -> None:
    assert "titles.can_have.1" in refusal({"titles": {"can_have": ["engineer", "  "]}}).message


def test_unknown_top_level_key_is_refused_listing_the_known_ones() -> None:
    error = refusal({"text": "x", "salary": 5})
    assert "salary" in error.message
    assert error.expected is not None and "years_experience" in error.expected


def test_unknown_facet_list_is_refused_listing_the_three_lists() -> None:
    error = refusal({"skills": {"must": ["python"]}})
    assert error.expected == "only must_have, can_have and doesnt_have"


def test_value_both_wanted_and_excluded_is_refused() -> None:
    assert (
        "both wanted and excluded"
        in refusal({"skills": {"must_have": ["Java"], "doesnt_have": ["java"]}}).message
    )


def test_years_range_must_be_ordered() -> None:
    assert "greater than max" in refusal({"years_experience": {"min": 10, "max": 2}}).message


def test_negative_years_are_refused() -> None:
    assert "years_experience.min" in refusal({"years_experience": {"min": -1}}).message


def test_too_many_values_in_one_list_are_refused() -> None:
    refusal({"skills": {"can_have": [f"s{i}" for i in range(MAX_FACET_VALUES + 1)]}})


def test_too_many_values_overall_are_refused() -> None:
    data = {
        name: {"can_have": [f"v{i}" for i in range(MAX_FACET_VALUES)]}
        for name in ("titles", "skills", "companies")
    }
    assert "limit" in refusal(data).message


def test_over_long_text_is_refused() -> None:
    assert "text" in refusal({"text": "x" * 1001}).message


def test_non_object_is_refused() -> None:
    assert "JSON object" in refusal(["python"]).message


def test_the_model_itself_raises_validation_error_for_request_bodies() -> None:
    with pytest.raises(ValidationError):
        StructuredQuery.model_validate({"open_to_work": "maybe"})


def test_restricts_is_true_for_must_have_values_and_filters_only() -> None:
    assert parse_structured({"skills": {"must_have": ["x"]}}).restricts()
    assert parse_structured({"open_to_work": False}).restricts()
    assert parse_structured({"years_experience": {"min": 2}}).restricts()
    assert not parse_structured({"skills": {"can_have": ["x"], "doesnt_have": ["y"]}}).restricts()
    assert not parse_structured({"years_experience": {}}).restricts()
