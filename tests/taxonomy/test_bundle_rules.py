"""The importer's rules on small synthetic inputs (no bundle needed)."""

from __future__ import annotations

from talent.taxonomy import Occupation
from talent.taxonomy.bundle import inherit_from_siblings
from talent.taxonomy.bundle_occupations import assign_employment, title_forms
from talent.taxonomy.bundle_reference import size_band
from talent.taxonomy.bundle_skills import display_tech_name, tech_id


def test_detailed_soc_employment_is_split_evenly_over_onet_sub_occupations() -> None:
    employment = {"15-1299": 900.0}
    levels = {"15-1299": "detailed"}
    result = assign_employment(["15-1299.01", "15-1299.02", "15-1299.03"], employment, levels)
    assert result == {"15-1299.01": 300.0, "15-1299.02": 300.0, "15-1299.03": 300.0}


def test_combined_oews_codes_are_shared_by_the_onet_codes_they_cover() -> None:
    employment = {"13-1020": 600.0, "13-1010": 50.0}
    levels = {"13-1020": "detailed", "13-1010": "detailed"}
    result = assign_employment(
        ["13-1021.00", "13-1022.00", "13-1023.00", "13-1011.00"], employment, levels
    )
    assert result == {
        "13-1021.00": 200.0,
        "13-1022.00": 200.0,
        "13-1023.00": 200.0,
        "13-1011.00": 50.0,
    }


def test_unmatched_codes_fall_back_to_the_unclaimed_rest_of_their_broad_group() -> None:
    employment = {"21-1010": 1000.0, "21-1012": 400.0}
    levels = {"21-1010": "broad", "21-1012": "detailed"}
    result = assign_employment(["21-1012.00", "21-1011.00", "21-1014.00"], employment, levels)
    assert result == {"21-1012.00": 400.0, "21-1011.00": 300.0, "21-1014.00": 300.0}


def test_title_forms_split_abbreviations() -> None:
    assert title_forms("CEO (Chief Executive Officer)") == ["CEO", "Chief Executive Officer"]
    assert title_forms("Business Development Officer (BD Officer)", "BD Officer") == [
        "Business Development Officer",
        "BD Officer",
    ]


def test_technology_display_names_are_tidied() -> None:
    assert display_tech_name("Salesforce software") == "Salesforce"
    assert display_tech_name("Web browser software") == "Web browser software"
    assert display_tech_name("Amazon Web Services AWS software") == "Amazon Web Services (AWS)"
    assert display_tech_name("Extensible markup language XML") == "Extensible markup language XML"
    assert tech_id("Microsoft Excel") == "tech:microsoft-excel"
    assert tech_id("C++") == "tech:c++"


def test_size_bands() -> None:
    assert [size_band(n) for n in (10, 51, 999, 4000, 10000, 2_100_000)] == [
        "1-50",
        "51-200",
        "201-1000",
        "1001-5000",
        "5001-10000",
        "10001+",
    ]


def test_undescribed_occupations_inherit_sibling_skills_and_relations() -> None:
    def occ(code: str, employment: float) -> Occupation:
        return Occupation(
            id=code,
            title=code,
            family=code[:2],
            family_title="F",
            job_zone=3,
            employment=employment,
        )

    occupations = {
        "15-1299.00": occ("15-1299.00", 10),
        "15-1299.01": occ("15-1299.01", 5),
        "15-1299.02": occ("15-1299.02", 50),
    }
    own = [(f"tech:t{i}", 0.8) for i in range(10)]
    skills = {
        "15-1299.00": [],
        "15-1299.01": own,
        "15-1299.02": own[:5] + [(f"tech:u{i}", 0.4) for i in range(5)],
    }
    related: dict[str, list[str]] = {"15-1299.00": [], "15-1299.01": [], "15-1299.02": []}
    assert inherit_from_siblings(occupations, skills, related) == ["15-1299.00"]
    assert dict(skills["15-1299.00"])["tech:t0"] == 0.8
    assert dict(skills["15-1299.00"])["tech:t9"] == 0.4
    assert related["15-1299.00"] == ["15-1299.02", "15-1299.01"]
