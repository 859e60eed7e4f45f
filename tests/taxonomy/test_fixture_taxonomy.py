"""The built-in fixture taxonomy is complete and internally consistent."""

from __future__ import annotations

from taxonomy_invariants import (
    KIND_BY_PREFIX,
    bad_importances,
    dangling_related_refs,
    dangling_skill_refs,
    unsorted_skill_lists,
)

from talent.taxonomy import Taxonomy, normalize


def test_fixture_is_labelled_as_fixture(fixture_taxonomy: Taxonomy) -> None:
    assert fixture_taxonomy.source == "fixture"


def test_fixture_has_about_three_dozen_occupations_in_at_least_six_families(
    fixture_taxonomy: Taxonomy,
) -> None:
    assert 30 <= len(fixture_taxonomy.occupations) <= 50
    assert len(fixture_taxonomy.families()) >= 6


def test_occupation_ids_have_onet_shape(fixture_taxonomy: Taxonomy) -> None:
    import re

    assert all(re.fullmatch(r"\d\d-\d{4}\.\d\d", occ_id) for occ_id in fixture_taxonomy.occupations)
    assert all(o.family == o.id[:2] for o in fixture_taxonomy.occupations.values())


def test_every_referenced_skill_exists(fixture_taxonomy: Taxonomy) -> None:
    assert dangling_skill_refs(fixture_taxonomy) == []


def test_every_related_occupation_exists_and_is_not_itself(fixture_taxonomy: Taxonomy) -> None:
    assert dangling_related_refs(fixture_taxonomy) == []
    assert all(occ not in rels for occ, rels in fixture_taxonomy.related.items())
    assert all(2 <= len(fixture_taxonomy.related[occ]) <= 5 for occ in fixture_taxonomy.occupations)


def test_every_occupation_has_variants_and_at_least_ten_skills(fixture_taxonomy: Taxonomy) -> None:
    for occ in fixture_taxonomy.occupations:
        assert 5 <= len(fixture_taxonomy.title_variants[occ]) <= 10, occ
        assert 12 <= len(fixture_taxonomy.occupation_skills[occ]) <= 25, occ


def test_importances_are_in_unit_interval_and_sorted(fixture_taxonomy: Taxonomy) -> None:
    assert bad_importances(fixture_taxonomy) == []
    assert unsorted_skill_lists(fixture_taxonomy) == []


def test_skill_vocabulary_size_and_kinds_follow_id_prefix(fixture_taxonomy: Taxonomy) -> None:
    assert 150 <= len(fixture_taxonomy.skills) <= 300
    for skill_id, skill in fixture_taxonomy.skills.items():
        assert skill.id == skill_id
        assert skill.kind == KIND_BY_PREFIX[skill_id.split(":", 1)[0]]


def test_every_skill_is_used_by_some_occupation(fixture_taxonomy: Taxonomy) -> None:
    used = {sid for pairs in fixture_taxonomy.occupation_skills.values() for sid, _ in pairs}
    assert used == set(fixture_taxonomy.skills)


def test_companies_point_at_known_industries_and_metros(fixture_taxonomy: Taxonomy) -> None:
    metro_ids = {m.id for m in fixture_taxonomy.metros}
    assert len(fixture_taxonomy.companies) >= 50
    for company in fixture_taxonomy.companies:
        assert fixture_taxonomy.industries[company.industry_id] == company.industry
        assert company.hq_metro_id in metro_ids
        assert company.size_band in {
            "1-50",
            "51-200",
            "201-1000",
            "1001-5000",
            "5001-10000",
            "10001+",
        }


def test_reference_tables_have_expected_sizes(fixture_taxonomy: Taxonomy) -> None:
    assert len(fixture_taxonomy.metros) >= 20
    assert len(fixture_taxonomy.first_names) >= 200
    assert len(fixture_taxonomy.surnames) >= 200
    assert len(fixture_taxonomy.schools) >= 40


def test_first_names_carry_a_gender_probability_and_positive_weight(
    fixture_taxonomy: Taxonomy,
) -> None:
    assert all(0.0 <= p <= 1.0 and w > 0 for _, p, w in fixture_taxonomy.first_names)
    shares = [p for _, p, _ in fixture_taxonomy.first_names]
    assert min(shares) < 0.1 and max(shares) > 0.9


def test_each_official_title_and_variant_resolves_to_an_occupation(
    fixture_taxonomy: Taxonomy,
) -> None:
    for occ_id, occ in fixture_taxonomy.occupations.items():
        assert fixture_taxonomy.title_aliases[normalize(occ.title)] == occ_id
        for variant in fixture_taxonomy.title_variants[occ_id]:
            assert (
                fixture_taxonomy.title_aliases[normalize(variant)] in fixture_taxonomy.occupations
            )


def test_abbreviated_titles_resolve(fixture_taxonomy: Taxonomy) -> None:
    assert fixture_taxonomy.title_aliases["swe"] == "15-1252.00"
    assert fixture_taxonomy.title_aliases["rn"] == "29-1141.00"
    assert fixture_taxonomy.title_aliases["dba"] == "15-1242.00"


def test_skill_names_and_abbreviations_resolve(fixture_taxonomy: Taxonomy) -> None:
    assert fixture_taxonomy.skill_aliases["python"] == "tech:python"
    assert fixture_taxonomy.skill_aliases["aws"] == "tech:amazon-web-services"
    assert fixture_taxonomy.skill_aliases["c++"] == "tech:c++"
