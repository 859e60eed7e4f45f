"""The taxonomy the engine speaks: standardized titles (occupations), skills, companies, metros.

Loaded from the real bundle (``talent.taxonomy.bundle``) or the built-in fixture taxonomy
(``talent.taxonomy.fixture``); both return a :class:`Taxonomy`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

SkillKind = Literal["technology", "skill", "knowledge"]

_NON_ALNUM = re.compile(r"[^a-z0-9+#.]+")


def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation (keeping + # . for C++, C#, .NET), squeeze
    spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _NON_ALNUM.sub(" ", text.lower())
    return " ".join(tok.strip(".") or tok for tok in text.split())


@dataclass(frozen=True, slots=True)
class Occupation:
    """A standardized title. ``id`` is an O*NET-SOC code (or a fixture code of the same shape)."""

    id: str
    title: str
    family: str  # SOC major group, e.g. "15"
    family_title: str  # e.g. "Computer and Mathematical Occupations"
    job_zone: int  # 1..5 preparation level (3 when unknown)
    description: str = ""
    employment: float = 0.0  # BLS employment estimate, used as the sampling weight


@dataclass(frozen=True, slots=True)
class Skill:
    """A standardized skill. ``id`` is ``"<source>:<key>"``, e.g. ``"tech:python"``."""

    id: str
    name: str
    kind: SkillKind
    hot: bool = False  # O*NET hot technology / in demand


@dataclass(frozen=True, slots=True)
class CompanyRef:
    name: str
    industry_id: int | None
    industry: str
    size_band: str  # "1-50", "51-200", "201-1000", "1001-5000", "5001-10000", "10001+"
    hq_metro_id: int | None = None


@dataclass(frozen=True, slots=True)
class MetroRef:
    id: int
    name: str
    region: str
    country: str
    latitude: float
    longitude: float
    population: int


@dataclass(slots=True)
class Taxonomy:
    """Everything the generator, the standardizer and the features need, in memory.

    Relations are keyed by occupation id:
    - ``title_variants[occ]``: real-world title strings for that occupation (most common first).
    - ``occupation_skills[occ]``: ``(skill_id, importance in (0, 1])`` sorted by importance desc.
    - ``related[occ]``: related occupation ids, most related first.
    Lookup tables for standardization (keys are :func:`normalize`-d):
    - ``title_aliases``: alias -> occupation id; ``skill_aliases``: alias -> skill id.
    """

    source: str
    occupations: dict[str, Occupation]
    skills: dict[str, Skill]
    title_variants: dict[str, list[str]]
    occupation_skills: dict[str, list[tuple[str, float]]]
    related: dict[str, list[str]]
    companies: list[CompanyRef]
    industries: dict[int, str]
    metros: list[MetroRef]
    first_names: list[tuple[str, float, float]]  # (name, p_female, weight)
    surnames: list[tuple[str, float]]  # (name, weight)
    schools: list[str] = field(default_factory=list)
    title_aliases: dict[str, str] = field(default_factory=dict)
    skill_aliases: dict[str, str] = field(default_factory=dict)

    def families(self) -> dict[str, str]:
        """SOC major group code -> title, for the families present."""
        return {o.family: o.family_title for o in self.occupations.values()}
