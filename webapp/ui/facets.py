"""Facet selections in the search page's query string, and the structured query they make.

Query string: ``q`` (boolean text), ``f.<facet>.<role>`` (repeatable; role ``must``, ``can``
or ``not``), ``yoe=<min>-<max>``, ``otw=1``, ``page``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from talent.query.structured import FACET_NAMES

ROLES: dict[str, str] = {"must": "must_have", "can": "can_have", "not": "doesnt_have"}
ROLE_LABELS: dict[str, str] = {"must": "must have", "can": "can have", "not": "doesn't have"}
FACET_LABELS: dict[str, str] = {
    "titles": "Titles", "skills": "Skills", "companies": "Companies", "locations": "Locations",
    "industries": "Industries", "seniority": "Seniority", "years_experience": "Years of experience",
    "open_to_work": "Open to work",
}
_ALIASES: dict[str, str] = {
    "title_id": "titles", "skill_ids": "skills", "company_id": "companies", "metro_id": "locations",
    "industry_id": "industries", "title": "titles", "occupation": "titles", "occupations": "titles", "skill": "skills", "company": "companies",
    "location": "locations", "metro": "locations", "metros": "locations", "industry": "industries",
    "years": "years_experience", "experience": "years_experience", "yoe": "years_experience",
}
TEXT_VALUED = {"companies", "locations"}
"""Facets whose values go back into the query by label (the standardizer resolves names)."""


YEARS_BUCKETS: tuple[tuple[str, str], ...] = (("0-2", "0-2 years"), ("3-5", "3-5 years"), ("6-10", "6-10 years"),
                                               ("11-", "more than 10 years"))


def facet_name(engine_key: str) -> str:
    """The structured-query name of an engine facet key (``"skill"`` -> ``"skills"``)."""
    return _ALIASES.get(engine_key, engine_key)


@dataclass(frozen=True)
class Selection:
    """What the recruiter picked on the search page."""

    text: str
    facets: dict[str, dict[str, list[str]]]
    years: tuple[float | None, float | None] | None
    open_to_work: bool
    page: int

    @property
    def has_facets(self) -> bool:
        return bool(self.facets) or self.years is not None or self.open_to_work

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.has_facets

    def query(self) -> str | dict[str, Any]:
        """Plain text without facets, else the structured form."""
        if not self.has_facets:
            return self.text
        query: dict[str, Any] = {name: {ROLES[r]: values for r, values in roles.items()}
                                 for name, roles in self.facets.items()}
        if self.text.strip():
            query["text"] = self.text
        if self.years is not None:
            query["years_experience"] = {"min": self.years[0], "max": self.years[1]}
        if self.open_to_work:
            query["open_to_work"] = True
        return query

    def role_of(self, name: str, value: str) -> str | None:
        for role, values in self.facets.get(name, {}).items():
            if value in values:
                return role
        return None


def _number(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def read_selection(args: MultiDict[str, str]) -> Selection:
    facets: dict[str, dict[str, list[str]]] = {}
    for name in FACET_NAMES:
        for role in ROLES:
            values = [v for v in args.getlist(f"f.{name}.{role}") if v.strip()]
            if values:
                facets.setdefault(name, {})[role] = list(dict.fromkeys(values))
    years = None
    if args.get("yoe"):
        low, _, high = args["yoe"].partition("-")
        years = (_number(low), _number(high))
    try:
        page = max(1, int(args.get("page", "1")))
    except ValueError:
        page = 1
    return Selection(args.get("q", ""), facets, years, args.get("otw") == "1", page)


def toggle_args(args: MultiDict[str, str], name: str, role: str, value: str) -> MultiDict[str, str]:
    """The query string with ``value`` moved to ``role`` of facet ``name`` (removed if already there)."""
    new = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page"])
    already = value in args.getlist(f"f.{name}.{role}")
    for r in ROLES:
        key = f"f.{name}.{r}"
        kept = [v for v in new.getlist(key) if v != value]
        new.setlist(key, kept)
    if not already:
        new.add(f"f.{name}.{role}", value)
    return new


def with_args(args: MultiDict[str, str], **changes: Any) -> MultiDict[str, str]:
    new = MultiDict(args.items(multi=True))
    for key, value in changes.items():
        if value is None:
            new.poplist(key)
        else:
            new[key] = str(value)
    return new
