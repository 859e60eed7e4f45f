"""Alias tables for standardization: normalized title -> occupation id, normalized name -> skill id.

When two occupations claim the same title alias, the strongest claim wins: an official title
beats a variant, which beats a secondary label; among equals the higher commonness score (e.g.
how many O*NET sources list the title), then the larger occupation (employment) wins. The result
is deterministic whatever the input order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from talent.taxonomy.model import Occupation, Skill, normalize

_PARENTHESIZED = re.compile(r"\(([^()]*)\)")

#: Claim strengths for title aliases (lower wins).
OFFICIAL, VARIANT, SECONDARY = 0, 1, 2

_KIND_RANK = {"technology": 0, "skill": 1, "knowledge": 2}

#: Vendor words dropped to form a weaker technology alias ("Oracle Java" -> "java",
#: "The MathWorks MATLAB" -> "matlab").
VENDOR_PREFIXES = (
    "the mathworks",
    "microsoft",
    "oracle",
    "atlassian",
    "google",
    "ibm",
    "amazon",
    "adobe",
    "apache",
    "autodesk",
    "intuit",
    "apple",
    "salesforce",
    "sap",
    "cisco",
    "dassault systemes",
    "esri",
    "red hat",
    "vmware",
    "meta",
)


def alias_forms(text: str) -> list[str]:
    """Normalized forms of a label: itself, without a parenthesized part, and that part alone.

    ``"Amazon Web Services (AWS)"`` ->
    ``["amazon web services aws", "amazon web services", "aws"]``.
    """
    forms = [normalize(text)]
    inner = _PARENTHESIZED.findall(text)
    if inner:
        forms.append(normalize(_PARENTHESIZED.sub(" ", text)))
        forms.extend(normalize(part) for part in inner)
    return [f for f in dict.fromkeys(forms) if f]


def build_title_aliases(
    occupations: Mapping[str, Occupation],
    title_variants: Mapping[str, list[str]],
    secondary_labels: Mapping[str, Iterable[str]] | None = None,
    variant_scores: Mapping[tuple[str, str], float] | None = None,
) -> dict[str, str]:
    """Map every normalized title, variant and secondary label to its occupation id.

    ``variant_scores[(occupation_id, variant)]`` ranks competing variant claims (higher wins;
    default 0).
    """
    scores = variant_scores or {}
    best: dict[str, tuple[tuple[int, float, float, str], str]] = {}

    def claim(alias: str, occ_id: str, strength: int, score: float) -> None:
        key = (strength, -score, -occupations[occ_id].employment, occ_id)
        current = best.get(alias)
        if current is None or key < current[0]:
            best[alias] = (key, occ_id)

    for occ_id, occ in occupations.items():
        for form in alias_forms(occ.title):
            claim(form, occ_id, OFFICIAL, 0.0)
        for variant in title_variants.get(occ_id, ()):
            for form in alias_forms(variant):
                claim(form, occ_id, VARIANT, scores.get((occ_id, variant), 0.0))
        for label in (secondary_labels or {}).get(occ_id, ()):
            for form in alias_forms(label):
                claim(form, occ_id, SECONDARY, 0.0)
    return {alias: occ_id for alias, (_, occ_id) in sorted(best.items())}


def build_skill_aliases(skills: Mapping[str, Skill]) -> dict[str, str]:
    """Map every normalized skill name (and its parenthesized abbreviation) to a skill id.

    Technologies beat skills, which beat knowledge areas; hot technologies beat others.
    """
    best: dict[str, tuple[tuple[int, int, int, str], str]] = {}
    for skill in skills.values():
        forms = alias_forms(skill.name)
        if skill.kind == "technology":
            forms += [
                f[len(v) + 1 :]
                for f in list(forms)
                for v in VENDOR_PREFIXES
                if f.startswith(v + " ")
            ]
        for rank, form in enumerate(dict.fromkeys(forms)):
            key = (_KIND_RANK[skill.kind], rank, 0 if skill.hot else 1, skill.id)
            current = best.get(form)
            if current is None or key < current[0]:
                best[form] = (key, skill.id)
    return {alias: skill_id for alias, (_, skill_id) in sorted(best.items())}
