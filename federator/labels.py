"""Display labels of facet values: taxonomy names, metros, seniority levels, company names."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from federator.types import FacetValue
from index.serving.partition import RANGE_FACETS
from talent.logging import get_logger
from talent.storage.models import SENIORITY_LEVELS
from talent.taxonomy.model import Taxonomy

log = get_logger(__name__)

FACETS_SHOWN = 15
RETRY_SECONDS = 60.0

CompanyNames = Callable[[], Mapping[int, str]]


def no_company_names() -> Mapping[int, str]:
    return {}


def company_names_from_database(database: Any) -> CompanyNames:
    """Company id -> name, read from ``database`` on first use and kept (labels fall back to
    ids, logged, when the database cannot be read; tried again after ``RETRY_SECONDS``)."""
    lock = threading.Lock()
    loaded: dict[int, str] = {}
    done = False
    next_try = 0.0

    def names() -> Mapping[int, str]:
        nonlocal done, next_try
        with lock:
            if not done and time.monotonic() >= next_try:
                next_try = time.monotonic() + RETRY_SECONDS
                try:
                    from sqlalchemy import select

                    from talent.storage.models import Company

                    with database.session() as s:
                        loaded.update({int(i): n
                                       for i, n in s.execute(select(Company.id, Company.name))})
                    done = True
                except Exception as exc:  # noqa: BLE001 - labels fall back to ids; retried next time
                    log.warning("search.company_names_unavailable", error=str(exc))
            return loaded

    return names


class FacetLabels:
    """Turns the broker's facet counts (field -> value -> count) into labelled facet values."""

    def __init__(self, taxonomy: Taxonomy, company_names: CompanyNames = no_company_names):
        self.taxonomy = taxonomy
        self.company_names = company_names
        self._metros = {m.id: f"{m.name}, {m.region}" if m.region else m.name
                        for m in taxonomy.metros}

    def facets(self, counts: Mapping[str, Mapping[Any, int]]) -> dict[str, list[FacetValue]]:
        out: dict[str, list[FacetValue]] = {}
        for name, values in counts.items():
            if name in RANGE_FACETS:
                out[name] = range_facet(values)
                continue
            items = list(values.items())[:FACETS_SHOWN]
            out[name] = [FacetValue(v, self.label(name, v), int(n)) for v, n in items]
        return out

    def label(self, name: str, value: Any) -> str:
        tax = self.taxonomy
        if name == "title_id":
            occ = tax.occupations.get(str(value))
            return occ.title if occ else str(value)
        if name == "skill_ids":
            skill = tax.skills.get(str(value))
            return skill.name if skill else str(value)
        if name == "metro_id":
            return self._metros.get(int(value), str(value))
        if name == "industry_id":
            return tax.industries.get(int(value), str(value))
        if name == "seniority":
            level = int(value)
            return SENIORITY_LEVELS[level] if 0 <= level < len(SENIORITY_LEVELS) else str(value)
        if name == "company_id":
            return self.company_names().get(int(value), str(value))
        if name == "open_to_work":
            return "open to work" if value else "not looking"
        return str(value)


def range_facet(counts: Mapping[tuple[float | None, float | None], int]) -> list[FacetValue]:
    """Range buckets (``(lower, upper)``, lower inclusive) in ascending order, empty ones left out.

    Each value is the ``years_experience`` range of a structured query that selects exactly the
    bucket (``{"min": 3.0, "max": 5.999999999999999}`` for 3 <= years < 6; both ends of a query
    range are inclusive, so the upper one is the largest float below the bucket's edge).
    """
    items = sorted(counts.items(), key=lambda kv: -math.inf if kv[0][0] is None else kv[0][0])
    out = []
    for (lower, upper), n in items:
        if n <= 0:
            continue
        value = {"min": lower, "max": None if upper is None else math.nextafter(upper, -math.inf)}
        out.append(FacetValue(value, _range_label(lower, upper), int(n)))
    return out


def _range_label(lower: float | None, upper: float | None) -> str:
    low = _whole(lower or 0.0)
    if upper is None:
        return f"{low}+ years"
    if float(upper).is_integer():
        return f"{low}-{_whole(upper - 1)} years"
    return f"{low} to under {_whole(upper)} years"


def _whole(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
