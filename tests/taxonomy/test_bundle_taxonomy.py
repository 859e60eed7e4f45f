"""The real bundle (../shared/data/taxonomy) imports into a large, consistent taxonomy; skipped
without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from taxonomy_invariants import (
    bad_importances,
    dangling_related_refs,
    dangling_skill_refs,
    unsorted_skill_lists,
)

from talent.taxonomy import Taxonomy, load_taxonomy
from talent.taxonomy import bundle as bundle_module

US_EMPLOYMENT_2024 = 154_187_380  # OEWS May 2024 "All Occupations"


def test_bundle_has_hundreds_of_civilian_occupations(bundle_taxonomy: Taxonomy) -> None:
    assert len(bundle_taxonomy.occupations) >= 800
    assert "55" not in bundle_taxonomy.families()
    assert all(o.employment > 0 for o in bundle_taxonomy.occupations.values())


def test_employment_weights_sum_to_about_us_employment(bundle_taxonomy: Taxonomy) -> None:
    total = sum(o.employment for o in bundle_taxonomy.occupations.values())
    assert abs(total - US_EMPLOYMENT_2024) / US_EMPLOYMENT_2024 < 0.05


def test_sub_occupations_split_their_soc_employment_evenly(bundle_taxonomy: Taxonomy) -> None:
    subs = [o for code, o in bundle_taxonomy.occupations.items() if code.startswith("15-1299.")]
    assert len(subs) >= 2
    assert len({round(o.employment, 3) for o in subs}) == 1


def test_software_developers_list_python(bundle_taxonomy: Taxonomy) -> None:
    names = {
        bundle_taxonomy.skills[sid].name
        for sid, _ in bundle_taxonomy.occupation_skills["15-1252.00"]
    }
    assert "Python" in names


def test_bundle_references_are_consistent(bundle_taxonomy: Taxonomy) -> None:
    assert dangling_skill_refs(bundle_taxonomy) == []
    assert dangling_related_refs(bundle_taxonomy) == []
    assert bad_importances(bundle_taxonomy) == []
    assert unsorted_skill_lists(bundle_taxonomy) == []


def test_every_bundle_occupation_has_variants_and_ten_skills(bundle_taxonomy: Taxonomy) -> None:
    for occ in bundle_taxonomy.occupations:
        assert bundle_taxonomy.title_variants[occ], occ
        assert len(bundle_taxonomy.occupation_skills[occ]) >= 10, occ


def test_skill_sources_are_all_present(bundle_taxonomy: Taxonomy) -> None:
    prefixes = {sid.split(":", 1)[0] for sid in bundle_taxonomy.skills}
    assert prefixes == {"tech", "skill", "knowledge", "esco"}
    assert any(s.hot for s in bundle_taxonomy.skills.values())


def test_related_occupations_follow_onet_order(bundle_taxonomy: Taxonomy) -> None:
    related = bundle_taxonomy.related["15-1252.00"]
    assert len(related) >= 5
    assert "15-1253.00" in related or "15-1254.00" in related


def test_titles_and_abbreviations_standardize(bundle_taxonomy: Taxonomy) -> None:
    aliases = bundle_taxonomy.title_aliases
    assert aliases["software engineer"] == "15-1252.00"
    assert aliases["software developers"] == "15-1252.00"
    assert aliases["swe"] == "15-1252.00"  # curated fixture variant added to the bundle
    assert aliases["registered nurse"] == "29-1141.00"


def test_technology_abbreviations_and_vendor_free_names_standardize(
    bundle_taxonomy: Taxonomy,
) -> None:
    skills = bundle_taxonomy.skill_aliases
    assert skills["python"] == "tech:python"
    assert bundle_taxonomy.skills[skills["aws"]].name.startswith("Amazon Web Services")
    assert bundle_taxonomy.skills[skills["excel"]].name == "Microsoft Excel"


def test_reference_tables(bundle_taxonomy: Taxonomy) -> None:
    assert len(bundle_taxonomy.metros) == 150
    assert bundle_taxonomy.metros[0].name == "New York City"
    assert len(bundle_taxonomy.companies) == 1000
    assert all(c.industry_id in bundle_taxonomy.industries for c in bundle_taxonomy.companies)
    assert len(bundle_taxonomy.industries) > 400
    assert len(bundle_taxonomy.first_names) > 2000
    assert len(bundle_taxonomy.surnames) > 20000
    assert len(bundle_taxonomy.schools) > 100


def test_cached_load_does_not_rebuild(
    bundle_taxonomy: Taxonomy,
    bundle_dir: Path,
    bundle_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(directory: Path) -> Taxonomy:
        raise AssertionError("cache miss: the bundle was rebuilt")

    monkeypatch.setattr(bundle_module, "build_taxonomy", refuse)
    cached = load_taxonomy(bundle_dir, cache_dir=bundle_cache_dir)
    assert cached.occupations == bundle_taxonomy.occupations
    assert cached.title_aliases == bundle_taxonomy.title_aliases
