"""The built-in taxonomy shipped in ``fixtures/taxonomy/`` (hand-written JSON, human-editable).

Used when the real bundle (``../shared/data/taxonomy``) is absent, and by fast tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import talent
from talent.errors import ConfigError
from talent.taxonomy.aliases import build_skill_aliases, build_title_aliases
from talent.taxonomy.model import CompanyRef, MetroRef, Occupation, Skill, SkillKind, Taxonomy

FIXTURE_DIR = Path(talent.__file__).resolve().parents[1] / "fixtures" / "taxonomy"
FIXTURE_FILES = (
    "occupations.json",
    "skills.json",
    "companies.json",
    "metros.json",
    "names.json",
    "schools.json",
)

_KIND_BY_PREFIX: dict[str, SkillKind] = {
    "tech": "technology",
    "skill": "skill",
    "knowledge": "knowledge",
}


def _read_json(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"fixture taxonomy file missing: {path}") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"fixture taxonomy file {path} is unreadable: {exc}") from exc


def _skill(skill_id: str, entry: dict[str, Any]) -> Skill:
    prefix = skill_id.split(":", 1)[0]
    if prefix not in _KIND_BY_PREFIX:
        raise ConfigError(
            f"fixture skill id {skill_id!r} must start with tech:, skill: or knowledge:"
        )
    return Skill(
        id=skill_id,
        name=entry["name"],
        kind=_KIND_BY_PREFIX[prefix],
        hot=bool(entry.get("hot", False)),
    )


def load_fixture_taxonomy(directory: Path = FIXTURE_DIR) -> Taxonomy:
    """Build the :class:`Taxonomy` from the fixture JSON files in ``directory``."""
    occ_doc = _read_json(directory, "occupations.json")
    skills_doc = _read_json(directory, "skills.json")
    company_doc = _read_json(directory, "companies.json")
    metro_doc = _read_json(directory, "metros.json")
    names_doc = _read_json(directory, "names.json")
    schools_doc = _read_json(directory, "schools.json")

    families: dict[str, str] = occ_doc["families"]
    occupations: dict[str, Occupation] = {}
    variants: dict[str, list[str]] = {}
    occupation_skills: dict[str, list[tuple[str, float]]] = {}
    related: dict[str, list[str]] = {}
    for row in occ_doc["occupations"]:
        occ = Occupation(
            id=row["id"],
            title=row["title"],
            family=row["family"],
            family_title=families[row["family"]],
            job_zone=int(row.get("job_zone", 3)),
            description=row.get("description", ""),
            employment=float(row["employment"]),
        )
        occupations[occ.id] = occ
        variants[occ.id] = list(row["variants"])
        occupation_skills[occ.id] = sorted(
            ((sid, float(imp)) for sid, imp in row["skills"].items()), key=lambda p: (-p[1], p[0])
        )
        related[occ.id] = list(row["related"])

    skills = {
        sid: _skill(sid, entry) for sid, entry in skills_doc.items() if not sid.startswith("_")
    }
    industries = {int(k): v for k, v in company_doc["industries"].items()}
    companies = [
        CompanyRef(
            name=c["name"],
            industry_id=int(c["industry_id"]),
            industry=industries[int(c["industry_id"])],
            size_band=c["size_band"],
            hq_metro_id=c.get("hq_metro_id"),
        )
        for c in company_doc["companies"]
    ]
    metros = [MetroRef(**m) for m in metro_doc["metros"]]
    first_names = [(n, float(p), float(w)) for n, p, w in names_doc["first_names"]]
    surnames = [(n, float(w)) for n, w in names_doc["surnames"]]

    return Taxonomy(
        source="fixture",
        occupations=occupations,
        skills=skills,
        title_variants=variants,
        occupation_skills=occupation_skills,
        related=related,
        companies=companies,
        industries=industries,
        metros=metros,
        first_names=first_names,
        surnames=surnames,
        schools=list(schools_doc["schools"]),
        title_aliases=build_title_aliases(occupations, variants),
        skill_aliases=build_skill_aliases(skills),
    )


def fixture_title_variants(directory: Path = FIXTURE_DIR) -> dict[str, list[str]]:
    """The fixture's hand-written title variants (abbreviations such as "SWE", "BDR") by occupation
    id."""
    return {
        row["id"]: list(row["variants"])
        for row in _read_json(directory, "occupations.json")["occupations"]
    }
