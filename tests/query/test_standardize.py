"""Standardization: raw titles, skills, companies, locations, industries and schools -> taxonomy
ids."""

from __future__ import annotations

import pytest

from talent.query import Standardizer
from talent.query.standardize import TokenCorrector, company_key, expand, singular, strip_seniority

SOFTWARE = "15-1252.00"
DATA_SCIENCE = "15-2051.00"


# --- word helpers ---------------------------------------------------------------------------------
def test_abbreviations_expand_word_by_word() -> None:
    assert expand(["sr", "swe"]) == ["senior", "software", "engineer"]


def test_leading_seniority_words_are_stripped_and_remembered() -> None:
    assert strip_seniority(["senior", "staff", "software", "engineer"]) == (
        ["software", "engineer"],
        5,
        False,
    )


def test_entry_level_is_stripped_as_one_seniority_phrase() -> None:
    assert strip_seniority(["entry", "level", "nurse"]) == (["nurse"], 1, False)


def test_trailing_level_markers_are_dropped() -> None:
    assert strip_seniority(["software", "engineer", "ii"]) == (
        ["software", "engineer"],
        None,
        False,
    )


def test_weak_seniority_words_are_flagged() -> None:
    assert strip_seniority(["associate", "professor"]) == (["professor"], 2, True)


@pytest.mark.parametrize(
    ("plural", "single"),
    [
        ("developers", "developer"),
        ("technologies", "technology"),
        ("analysis", "analysis"),
        ("business", "business"),
    ],
)
def test_singular_only_touches_plural_looking_last_words(plural: str, single: str) -> None:
    assert singular(["x", plural]) == ["x", single]


def test_company_key_drops_legal_forms_and_fillers() -> None:
    assert company_key("The Walt Disney Company") == "walt disney"
    assert company_key("Acme, Inc.") == "acme"


def test_company_key_keeps_a_name_made_only_of_fillers() -> None:
    assert company_key("The Company") == "the company"


def test_token_corrector_prefers_the_more_common_word_at_equal_distance() -> None:
    corrector = TokenCorrector({"engineer": 50, "engine": 2})
    assert corrector.correct("enginer") == "engineer"


def test_token_corrector_leaves_short_and_numeric_words_alone() -> None:
    corrector = TokenCorrector({"java": 5, "c++11": 1})
    assert corrector.correct("jav") is None
    assert corrector.correct("c++12") is None


def test_token_corrector_refuses_words_too_far_away() -> None:
    assert TokenCorrector({"python": 5}).correct("pytohnn") is None


# --- titles ---------------------------------------------------------------------------------------
def test_exact_title_alias(standardizer: Standardizer) -> None:
    match = standardizer.title("Software Engineer")
    assert match is not None
    assert (match.id, match.label, match.method, match.confidence) == (
        SOFTWARE,
        "Software Developers",
        "exact",
        1.0,
    )


def test_sr_swe_maps_to_software_developers_with_senior_seniority(
    standardizer: Standardizer,
) -> None:
    match = standardizer.title("sr swe")
    assert match is not None
    assert (match.id, match.method, match.seniority) == (SOFTWARE, "expanded", 4)


def test_software_dev_expands_to_software_developer(standardizer: Standardizer) -> None:
    match = standardizer.title("Software Dev")
    assert match is not None and match.id == SOFTWARE


def test_plural_title_maps_like_the_singular(standardizer: Standardizer) -> None:
    match = standardizer.title("software engineers")
    assert match is not None and match.id == SOFTWARE


def test_level_suffix_and_seniority_word_are_both_handled(standardizer: Standardizer) -> None:
    match = standardizer.title("Senior Software Engineer II")
    assert match is not None and (match.id, match.seniority) == (SOFTWARE, 4)


def test_title_with_typos_is_corrected_word_by_word(standardizer: Standardizer) -> None:
    match = standardizer.title("Sofware Enginer")
    assert match is not None
    assert (match.id, match.method) == (SOFTWARE, "fuzzy")
    assert 0.8 < match.confidence < 1.0


def test_fuzzy_matching_can_be_switched_off(standardizer: Standardizer) -> None:
    assert standardizer.title("Sofware Enginer", fuzzy=False) is None


def test_an_alias_that_starts_with_a_word_like_executive_names_no_seniority(
    standardizer: Standardizer,
) -> None:
    match = standardizer.title("Executive Assistant")
    assert match is not None
    assert (match.id, match.seniority) == ("43-6014.00", None)


def test_weak_seniority_word_inside_an_alias_names_no_seniority(standardizer: Standardizer) -> None:
    match = standardizer.title("associate professor")
    assert match is not None and match.seniority is None


def test_weak_seniority_word_counts_when_stripping_it_finds_the_title(
    standardizer: Standardizer,
) -> None:
    match = standardizer.title("associate data scientist")
    assert match is not None and (match.id, match.seniority) == (DATA_SCIENCE, 2)


def test_abbreviation_inside_a_title(standardizer: Standardizer) -> None:
    match = standardizer.title("principal ML engineer")
    assert match is not None and (match.id, match.seniority) == (DATA_SCIENCE, 5)


def test_occupation_id_typed_as_is(standardizer: Standardizer) -> None:
    match = standardizer.title("15-2051.00")
    assert match is not None and (match.id, match.method) == (DATA_SCIENCE, "id")


def test_unknown_title_is_not_mapped(standardizer: Standardizer) -> None:
    assert standardizer.title("underwater basket weaver") is None


def test_seniority_word_alone_is_not_a_title(standardizer: Standardizer) -> None:
    assert standardizer.title("senior") is None


# --- skills ---------------------------------------------------------------------------------------
def test_javascrpit_is_corrected_to_javascript(standardizer: Standardizer) -> None:
    match = standardizer.skill("javascrpit")
    assert match is not None
    assert (match.id, match.label, match.method) == ("tech:javascript", "JavaScript", "fuzzy")


@pytest.mark.parametrize(
    ("raw", "skill_id"),
    [
        ("js", "tech:javascript"),
        ("k8s", "tech:kubernetes"),
        ("AWS", "tech:amazon-web-services"),
        ("ML", "skill:machine-learning"),
    ],
)
def test_skill_abbreviations_expand(standardizer: Standardizer, raw: str, skill_id: str) -> None:
    match = standardizer.skill(raw)
    assert match is not None and (match.id, match.method) == (skill_id, "expanded")


@pytest.mark.parametrize("raw", ["nodejs", "node js", "Node.JS"])
def test_spacing_and_dots_do_not_matter(standardizer: Standardizer, raw: str) -> None:
    match = standardizer.skill(raw)
    assert match is not None and match.id == "tech:node-js"


def test_transposed_letters_are_corrected(standardizer: Standardizer) -> None:
    match = standardizer.skill("pyhton")
    assert match is not None and match.id == "tech:python"


def test_short_words_are_not_fuzzily_matched(standardizer: Standardizer) -> None:
    assert standardizer.skill("jav") is None


def test_skill_id_typed_as_is(standardizer: Standardizer) -> None:
    match = standardizer.skill("tech:java")
    assert match is not None and match.method == "id"


# --- companies, locations, industries, schools ----------------------------------------------------
@pytest.mark.parametrize("raw", ["Acme", "ACME Corporation", "acme corp.", "Acme, Inc."])
def test_company_matches_without_legal_forms(standardizer: Standardizer, raw: str) -> None:
    match = standardizer.company(raw)
    assert match is not None and (match.id, match.method) == ("Acme Corp", "exact")


def test_company_name_with_a_typo_matches_fuzzily(standardizer: Standardizer) -> None:
    match = standardizer.company("Brightlop Software")
    assert match is not None and (match.id, match.method) == ("Brightloop Software Inc.", "fuzzy")


def test_unknown_company_is_not_mapped(standardizer: Standardizer) -> None:
    assert standardizer.company("Initech") is None


@pytest.mark.parametrize(
    "raw", ["Seattle", "Seattle, WA", "seattle washington", "Greater Seattle Area", "Seatle"]
)
def test_location_maps_to_the_metro(standardizer: Standardizer, raw: str) -> None:
    match = standardizer.location(raw)
    assert match is not None and (match.id, match.label) == (2, "Seattle, Washington")


@pytest.mark.parametrize(("raw", "metro_id"), [("NYC", 1), ("bay area", 4), ("SF", 4)])
def test_metro_nicknames(standardizer: Standardizer, raw: str, metro_id: int) -> None:
    match = standardizer.location(raw)
    assert match is not None and match.id == metro_id


def test_city_in_another_state_is_not_mapped_to_a_namesake(standardizer: Standardizer) -> None:
    assert standardizer.location("Portland, ME") is None
    match = standardizer.location("Portland, OR")
    assert match is not None and match.id == 3


def test_industry_by_id_or_name(standardizer: Standardizer) -> None:
    by_id, by_digits, by_name = (
        standardizer.industry(10),
        standardizer.industry("10"),
        standardizer.industry("entertainment"),
    )
    assert by_id == by_digits
    assert by_id is not None and by_name is not None and by_id.id == by_name.id == 10


def test_unknown_industry_id_is_not_mapped(standardizer: Standardizer) -> None:
    assert standardizer.industry(99) is None


def test_school_with_a_typo(standardizer: Standardizer) -> None:
    match = standardizer.school("Stanfrod University")
    assert match is not None and (match.id, match.method) == ("Stanford University", "fuzzy")


# --- tagging keywords -----------------------------------------------------------------------------
def test_tagging_finds_a_title_and_skills_in_keywords(standardizer: Standardizer) -> None:
    tags = standardizer.tag(["sr", "swe", "python", "k8s"])
    assert [(t.start, t.end, t.field, t.match.id) for t in tags] == [
        (0, 2, "title", SOFTWARE),
        (2, 3, "skill", "tech:python"),
        (3, 4, "skill", "tech:kubernetes"),
    ]


def test_tagging_prefers_the_longest_span(standardizer: Standardizer) -> None:
    tags = standardizer.tag(["machine", "learning", "engineer"])
    assert [(t.start, t.end, t.field) for t in tags] == [(0, 3, "title")]


def test_tagging_leaves_unknown_words_untagged(standardizer: Standardizer) -> None:
    tags = standardizer.tag(["remote", "python", "friendly"])
    assert [(t.start, t.end) for t in tags] == [(1, 2)]


def test_tagging_does_not_correct_words_another_vocabulary_knows(
    standardizer: Standardizer,
) -> None:
    # "python" is a skill word: the title corrector must not bend it into a title word.
    tags = standardizer.tag(["python"])
    assert [t.field for t in tags] == ["skill"]


# --- the built-in fixture taxonomy ----------------------------------------------------------------
def test_fixture_taxonomy_standardizes_the_issue_examples(fixture_taxonomy) -> None:  # type: ignore[no-untyped-def]
    standardizer = Standardizer(fixture_taxonomy)
    sr_swe, dev, typo = (
        standardizer.title("sr swe"),
        standardizer.title("Software Dev"),
        standardizer.skill("javascrpit"),
    )
    assert sr_swe is not None and (sr_swe.id, sr_swe.seniority) == (SOFTWARE, 4)
    assert dev is not None and dev.id == SOFTWARE
    assert typo is not None and typo.label == "JavaScript"
    assert standardizer.title("underwater basket weaver") is None


def test_unicode_digits_are_not_ids(standardizer: Standardizer) -> None:
    assert standardizer.industry("\u00b2") is None
    assert standardizer.location("\u00b2") is None
