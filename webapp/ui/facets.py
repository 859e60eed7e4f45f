"""Facet selections in the search page's query string, the structured query they make, and the
facet panels (rows with counts and must-have / can-have / doesn't-have links) the page shows.

Query string: ``q`` (boolean text), ``f.<facet>.<role>`` (repeatable; role ``must``, ``can``
or ``not``), ``yoe=<lo>-<hi>`` (whole years of experience, both ends inclusive and optional:
``3-5`` is 3 <= years < 6, ``16-`` is 16 or more), ``otw=1`` (open to work) or ``otw=0`` (not),
``page``.

Years of experience and open-to-work are filters in the engine (no can-have). A years bucket's
doesn't-have link exists when the rest of the selection is still one range (the lowest or the
highest bucket of it); a bucket in the middle can only be narrowed to with must-have.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from federator.types import FacetValue
from talent.query.structured import FACET_NAMES

ROLES: dict[str, str] = {"must": "must_have", "can": "can_have", "not": "doesnt_have"}
ROLE_LABELS: dict[str, str] = {"must": "must have", "can": "can have", "not": "doesn't have"}
ROLE_SYMBOLS: dict[str, str] = {"must": "+", "can": "~", "not": "−"}
FACET_LABELS: dict[str, str] = {
    "titles": "Titles", "skills": "Skills", "companies": "Companies", "locations": "Locations",
    "industries": "Industries", "seniority": "Seniority", "years_experience": "Years of experience",
    "open_to_work": "Open to work",
}
_ALIASES: dict[str, str] = {
    "title_id": "titles", "skill_ids": "skills", "company_id": "companies", "metro_id": "locations",
    "industry_id": "industries", "title": "titles", "occupation": "titles", "occupations": "titles",
    "skill": "skills", "company": "companies", "location": "locations", "metro": "locations",
    "metros": "locations", "industry": "industries", "years": "years_experience",
    "experience": "years_experience", "yoe": "years_experience",
}
TEXT_VALUED = {"companies", "locations"}
"""Facets whose values go back into the query by label (the standardizer resolves names)."""

PANEL_ORDER = ("titles", "skills", "companies", "locations", "industries", "seniority",
               "years_experience", "open_to_work")

Years = tuple[int | None, int | None]
"""Whole years of experience, both ends inclusive; ``None`` is an open end."""


def facet_name(engine_key: str) -> str:
    """The structured-query name of an engine facet key (``"skill"`` -> ``"skills"``)."""
    return _ALIASES.get(engine_key, engine_key)


# --- years of experience --------------------------------------------------------------------------
def years_key(years: Years) -> str:
    """The ``yoe`` parameter of a range: ``"3-5"``, ``"16-"``, ``"0-2"``."""
    low, high = years
    return f"{low or 0}-{'' if high is None else high}"


def years_label(years: Years) -> str:
    low, high = years
    if high is None:
        return f"{low or 0}+ years"
    return f"{low or 0}-{high} years"


def parse_years(text: str) -> Years | None:
    """``"3-5"`` -> ``(3, 5)``, ``"16-"`` -> ``(16, None)``; ``None`` when unreadable or
    everything."""
    low_text, dash, high_text = text.strip().partition("-")
    if not dash:
        high_text = low_text
    try:
        low = int(low_text) if low_text.strip() else None
        high = int(high_text) if high_text.strip() else None
    except ValueError:
        return None
    low = low if low else None  # 0 is the open lower end
    if (low is not None and low < 0) or (high is not None and (high < 0 or high > 69)):
        return None
    if low is not None and high is not None and low > high:
        return None
    if low is None and high is None:
        return None
    return low, high


def years_query(years: Years) -> dict[str, float | None]:
    """The structured query's ``years_experience`` (both ends inclusive): ``high`` whole years means
    anything below ``high + 1``."""
    low, high = years
    return {"min": None if low is None else float(low),
            "max": None if high is None else math.nextafter(float(high + 1), -math.inf)}


def years_of_value(value: Any) -> Years | None:
    """The whole-years range of an engine bucket (``{"min": 3.0, "max": 5.99…}`` -> ``(3, 5)``)."""
    if not isinstance(value, dict):
        return None
    low, high = value.get("min"), value.get("max")
    return (int(low) if low else None, None if high is None else math.floor(high))


def _covers(outer: Years, inner: Years) -> bool:
    lo_o, hi_o = outer[0] or 0, math.inf if outer[1] is None else outer[1]
    lo_i, hi_i = inner[0] or 0, math.inf if inner[1] is None else inner[1]
    return lo_o <= lo_i and hi_i <= hi_o


def years_without(selected: Years | None, bucket: Years) -> Years | None:
    """The selection (``None``: any) minus ``bucket`` when that is still one range, else ``None``
    (the bucket is in the middle of the selection, or covers all of it)."""
    sel: Years = selected or (None, None)
    sel_lo, sel_hi = sel[0] or 0, math.inf if sel[1] is None else sel[1]
    b_lo, b_hi = bucket[0] or 0, math.inf if bucket[1] is None else bucket[1]
    if _covers(bucket, sel):
        return None
    if b_lo <= sel_lo:  # the lowest bucket of the selection
        return (int(b_hi) + 1, sel[1])
    if b_hi >= sel_hi:  # the highest
        return (sel[0], int(b_lo) - 1)
    return None


# --- the selection --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """What the recruiter picked on the search page."""

    text: str
    facets: dict[str, dict[str, list[str]]]
    years: Years | None
    open_to_work: bool | None
    page: int

    @property
    def has_facets(self) -> bool:
        return bool(self.facets) or self.years is not None or self.open_to_work is not None

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
            query["years_experience"] = years_query(self.years)
        if self.open_to_work is not None:
            query["open_to_work"] = self.open_to_work
        return query

    def role_of(self, name: str, value: str) -> str | None:
        for role, values in self.facets.get(name, {}).items():
            if value in values:
                return role
        return None


def selection_problems(args: MultiDict[str, str]) -> list[str]:
    """What the search page cannot read in ``args`` (said on the page rather than ignored)."""
    problems = []
    yoe = args.get("yoe", "")
    if yoe.strip() and parse_years(yoe) is None:
        problems.append(f"years of experience {yoe[:20]!r} is not a range: write it like 3-5, "
                        "10- (10 or more) or -2 (up to 2), low before high, at most 69")
    if args.get("otw", "") not in ("", "0", "1"):
        problems.append("open to work is 1 (only members open to work) or 0 (only members who "
                        "are not)")
    return problems


def read_selection(args: MultiDict[str, str]) -> Selection:
    facets: dict[str, dict[str, list[str]]] = {}
    for name in FACET_NAMES:
        for role in ROLES:
            values = [v for v in args.getlist(f"f.{name}.{role}") if v.strip()]
            if values:
                facets.setdefault(name, {})[role] = list(dict.fromkeys(values))
    years = parse_years(args.get("yoe", ""))
    otw = {"1": True, "0": False}.get(args.get("otw", ""))
    try:
        page = max(1, int(args.get("page", "1")))
    except ValueError:
        page = 1
    return Selection(args.get("q", ""), facets, years, otw, page)


# --- query-string edits ---------------------------------------------------------------------------
def toggle_args(args: MultiDict[str, str], name: str, role: str, value: str) -> MultiDict[str, str]:
    """The query string with ``value`` moved to ``role`` of facet ``name`` (removed if already
    there)."""
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
    """The query string with keys set (``None`` removes them)."""
    new = MultiDict(args.items(multi=True))
    for key, value in changes.items():
        if value is None:
            new.poplist(key)
        else:
            new[key] = str(value)
    return new


# --- facet panels ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FacetRow:
    label: str
    count: int
    role: str | None  # the role this value has in the selection
    links: dict[str, MultiDict[str, str] | None]  # role -> query string, None when not offered
    hints: dict[str, str] = field(default_factory=dict)  # role -> why it is not offered


@dataclass(frozen=True)
class FacetPanel:
    name: str
    label: str
    rows: list[FacetRow]


@dataclass(frozen=True)
class Chip:
    """One applied filter, with the query string that removes it."""

    label: str
    role: str
    remove: MultiDict[str, str]


def facet_panels(selection: Selection, args: MultiDict[str, str],
                 facets: dict[str, list[FacetValue]]) -> list[FacetPanel]:
    """The panels of the engine's facet counts (``SearchResponse.facets``), in page order."""
    base = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page"])
    panels: dict[str, FacetPanel] = {}
    for key, values in facets.items():
        name = facet_name(key)
        if name == "years_experience":
            rows = _years_rows(selection, base, values)
        elif name == "open_to_work":
            rows = _open_to_work_rows(selection, base, values)
        else:
            rows = []
            for fv in values:
                value = fv.label if name in TEXT_VALUED else str(fv.value)
                links: dict[str, MultiDict[str, str] | None] = {
                    role: toggle_args(args, name, role, value) for role in ROLES}
                rows.append(FacetRow(fv.label, int(fv.count), selection.role_of(name, value),
                                     links))
        if rows:
            panels[name] = FacetPanel(name, FACET_LABELS.get(name, name), rows)
    ordered = [panels[n] for n in PANEL_ORDER if n in panels]
    return ordered + [p for n, p in panels.items() if n not in PANEL_ORDER]


def _years_rows(selection: Selection, base: MultiDict[str, str],
                values: list[FacetValue]) -> list[FacetRow]:
    rows = []
    for fv in values:
        bucket = years_of_value(fv.value)
        if bucket is None:
            continue
        role = "must" if selection.years == bucket else None
        must = with_args(base, yoe=None if role == "must" else years_key(bucket))
        rest = years_without(selection.years, bucket)
        links: dict[str, MultiDict[str, str] | None] = {"must": must, "can": None, "not": None}
        hints = {"can": "years of experience are a filter: use must have"}
        if rest is None:
            hints["not"] = "only the lowest or highest range of the selection can be left out"
        else:
            links["not"] = with_args(base, yoe=years_key(rest))
        rows.append(FacetRow(years_label(bucket), int(fv.count), role, links, hints))
    return rows


def _open_to_work_rows(selection: Selection, base: MultiDict[str, str],
                       values: list[FacetValue]) -> list[FacetRow]:
    rows = []
    for fv in values:
        if fv.value is not True:
            continue
        role = {True: "must", False: "not", None: None}[selection.open_to_work]
        links: dict[str, MultiDict[str, str] | None] = {
            "must": with_args(base, otw=None if role == "must" else 1),
            "can": None,
            "not": with_args(base, otw=None if role == "not" else 0),
        }
        rows.append(FacetRow("Open to work", int(fv.count), role, links,
                             {"can": "open to work is a filter: use must have"}))
    return rows


def chips(selection: Selection, args: MultiDict[str, str],
          label_of: Callable[[str, str], str]) -> list[Chip]:
    """The applied filters; ``label_of(facet, value)`` names a value (taxonomy ids to names)."""
    out = []
    for name, roles in selection.facets.items():
        for role, values in roles.items():
            for v in values:
                label = label_of(name, v)
                out.append(Chip(f"{FACET_LABELS.get(name, name)} {ROLE_LABELS[role]}: {label}",
                                role, toggle_args(args, name, role, v)))
    base = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page"])
    if selection.years is not None:
        out.append(Chip(f"Years of experience: {years_label(selection.years)}", "must",
                        with_args(base, yoe=None)))
    if selection.open_to_work is not None:
        out.append(Chip("Open to work" if selection.open_to_work else "Not open to work",
                        "must" if selection.open_to_work else "not", with_args(base, otw=None)))
    return out


def value_labels(facets: dict[str, list[FacetValue]]) -> dict[tuple[str, str], str]:
    """(facet, value as in the query string) -> label, from the engine's facet counts."""
    out: dict[tuple[str, str], str] = {}
    for key, values in facets.items():
        name = facet_name(key)
        for fv in values:
            out[(name, fv.label if name in TEXT_VALUED else str(fv.value))] = fv.label
    return out
