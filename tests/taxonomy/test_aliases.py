"""Alias tables: which occupation or skill a normalized string standardizes to."""

from __future__ import annotations

from talent.taxonomy import Occupation, Skill
from talent.taxonomy.aliases import alias_forms, build_skill_aliases, build_title_aliases


def _occ(code: str, title: str, employment: float) -> Occupation:
    return Occupation(
        id=code, title=title, family=code[:2], family_title="F", job_zone=3, employment=employment
    )


def test_alias_forms_split_parenthesized_abbreviations() -> None:
    assert alias_forms("Amazon Web Services (AWS)") == [
        "amazon web services aws",
        "amazon web services",
        "aws",
    ]
    assert alias_forms("Python") == ["python"]


def test_official_title_beats_a_variant_of_another_occupation() -> None:
    occs = {"A": _occ("A", "Data Analyst", 10), "B": _occ("B", "Data Scientist", 1000)}
    aliases = build_title_aliases(occs, {"B": ["Data Analyst"]})
    assert aliases["data analyst"] == "A"


def test_more_common_variant_claim_wins() -> None:
    occs = {"A": _occ("A", "Alpha", 1000), "B": _occ("B", "Beta", 10)}
    variants = {"A": ["Nurse"], "B": ["Nurse"]}
    assert build_title_aliases(occs, variants, variant_scores={("B", "Nurse"): 5})["nurse"] == "B"


def test_equal_claims_go_to_the_larger_occupation_whatever_the_order() -> None:
    occs = {"A": _occ("A", "Alpha", 10), "B": _occ("B", "Beta", 1000)}
    forward = build_title_aliases(occs, {"A": ["Lead"], "B": ["Lead"]})
    backward = build_title_aliases(dict(reversed(occs.items())), {"B": ["Lead"], "A": ["Lead"]})
    assert forward["lead"] == backward["lead"] == "B"


def test_secondary_labels_never_override_variants() -> None:
    occs = {"A": _occ("A", "Alpha", 10), "B": _occ("B", "Beta", 1000)}
    aliases = build_title_aliases(occs, {"A": ["Chef"]}, secondary_labels={"B": ["chef", "cook"]})
    assert aliases["chef"] == "A"
    assert aliases["cook"] == "B"


def test_technology_beats_knowledge_with_the_same_name_and_vendor_is_optional() -> None:
    skills = {
        "knowledge:python": Skill("knowledge:python", "Python", "knowledge"),
        "tech:python": Skill("tech:python", "Python", "technology"),
        "tech:oracle-java": Skill("tech:oracle-java", "Oracle Java", "technology"),
    }
    aliases = build_skill_aliases(skills)
    assert aliases["python"] == "tech:python"
    assert aliases["java"] == aliases["oracle java"] == "tech:oracle-java"
