"""The JSON form of a query that the API and the UI facets send.

Example::

    {"text": "python OR golang",
     "titles": {"must_have": ["sr swe"]},
     "skills": {"can_have": ["kubernetes"], "doesnt_have": ["php"]},
     "locations": {"must_have": ["Seattle, WA"]},
     "seniority": {"must_have": ["senior", 5]},
     "years_experience": {"min": 3, "max": 10},
     "open_to_work": true,
     "expansion": {"mode": "auto", "exclude": ["Web Developers"]}}

Each facet holds three lists: ``must_have`` (a candidate must match), ``can_have`` (optional,
raises the score), ``doesnt_have`` (a candidate must not match). Values are what the recruiter
typed or picked (titles, skills, companies, locations: text or taxonomy ids; industries: LinkedIn
industry ids or names; seniority: levels 0..8 or their names from ``SENIORITY_LEVELS``).

Validation: :meth:`StructuredQuery.model_validate` raises pydantic's ``ValidationError`` (a
request-body model gives 422); :func:`parse_structured` turns it into
:class:`~talent.errors.QueryError` (400) whose message names the offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from talent.errors import QueryError
from talent.query.options import ExpansionOptions
from talent.query.parser import MAX_CLAUSES, MAX_QUERY_CHARS
from talent.storage.models import SENIORITY_LEVELS

MAX_FACET_VALUES = 50
"""Most values one facet list may hold."""
MAX_VALUE_CHARS = 200
"""Longest single facet value, in characters."""

FacetText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_VALUE_CHARS)
]


def _seniority_level(value: Any) -> Any:
    """Accept a level name (``"senior"``, ``"Mid-Senior"``) as well as its index."""
    if isinstance(value, str):
        name = value.strip().lower().replace("_", "-").replace(" ", "-")
        if name in SENIORITY_LEVELS:
            return SENIORITY_LEVELS.index(name)
    return value


SeniorityLevel = Annotated[
    int, BeforeValidator(_seniority_level), Field(ge=0, le=len(SENIORITY_LEVELS) - 1)
]
IndustryValue = Annotated[int, Field(ge=0)] | FacetText

T = TypeVar("T")


class Facet(BaseModel, Generic[T]):
    """Must-have, can-have and doesn't-have values of one facet."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    must_have: list[T] = Field(default_factory=list, max_length=MAX_FACET_VALUES)
    can_have: list[T] = Field(default_factory=list, max_length=MAX_FACET_VALUES)
    doesnt_have: list[T] = Field(default_factory=list, max_length=MAX_FACET_VALUES)

    @model_validator(mode="after")
    def _no_value_both_wanted_and_excluded(self) -> Facet[T]:
        excluded = {_key(v) for v in self.doesnt_have}
        clash = [v for v in (*self.must_have, *self.can_have) if _key(v) in excluded]
        if clash:
            raise ValueError(f"{clash[0]!r} is both wanted and excluded: keep it in one list")
        return self

    def positive(self) -> list[T]:
        return [*self.must_have, *self.can_have]

    def __len__(self) -> int:
        return len(self.must_have) + len(self.can_have) + len(self.doesnt_have)


def _key(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


class YearsRange(BaseModel):
    """Years of experience, both ends inclusive and optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = Field(default=None, ge=0, le=70)
    max: float | None = Field(default=None, ge=0, le=70)

    @model_validator(mode="after")
    def _ordered(self) -> YearsRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self


class StructuredQuery(BaseModel):
    """A recruiter query as the API and UI send it: boolean ``text`` plus facet selections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str | None = Field(default=None, max_length=MAX_QUERY_CHARS)
    titles: Facet[FacetText] = Field(default_factory=Facet)
    skills: Facet[FacetText] = Field(default_factory=Facet)
    companies: Facet[FacetText] = Field(default_factory=Facet)
    locations: Facet[FacetText] = Field(default_factory=Facet)
    industries: Facet[IndustryValue] = Field(default_factory=Facet)
    seniority: Facet[SeniorityLevel] = Field(default_factory=Facet)
    years_experience: YearsRange | None = None
    open_to_work: bool | None = None
    #: title expansion: mode (auto / always / off) and titles it must not add
    expansion: ExpansionOptions | None = None

    @model_validator(mode="after")
    def _within_limits(self) -> StructuredQuery:
        values = sum(len(getattr(self, name)) for name in FACET_NAMES)
        if values > MAX_CLAUSES:
            raise ValueError(f"the facets hold {values} values; the limit is {MAX_CLAUSES}")
        return self

    @property
    def has_text(self) -> bool:
        return bool(self.text and self.text.strip())

    def restricts(self) -> bool:
        """Whether the facets alone narrow the result (a must-have value or a filter)."""
        if any(getattr(self, name).must_have for name in FACET_NAMES):
            return True
        years = self.years_experience
        return self.open_to_work is not None or (
            years is not None and (years.min is not None or years.max is not None)
        )

    def is_empty(self) -> bool:
        """No text and nothing selected at all."""
        return (
            not self.has_text
            and not self.restricts()
            and not any(len(getattr(self, name)) for name in FACET_NAMES)
        )


FACET_NAMES: tuple[str, ...] = (
    "titles",
    "skills",
    "companies",
    "locations",
    "industries",
    "seniority",
)


def parse_structured(data: Mapping[str, Any] | StructuredQuery) -> StructuredQuery:
    """Validate the JSON form; raises :class:`QueryError` naming the first offending field."""
    if isinstance(data, StructuredQuery):
        return data
    if not isinstance(data, Mapping):
        raise QueryError(
            "a structured query must be a JSON object", expected="an object with text and facets"
        )
    try:
        return StructuredQuery.model_validate(dict(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "query"
        raise QueryError(
            f"invalid structured query: {where}: {error['msg']}", expected=_expected(error)
        ) from None


def _expected(error: Mapping[str, Any]) -> str | None:
    kind = str(error.get("type", ""))
    loc = [str(part) for part in error.get("loc", ())]
    if kind == "extra_forbidden":
        if len(loc) == 1:
            return ("only text, " + ", ".join(FACET_NAMES)
                    + ", years_experience, open_to_work, expansion")
        if loc[0] == "years_experience":
            return "only min and max"
        if loc[0] == "expansion":
            return "only mode (auto, always, off) and exclude"
        return "only must_have, can_have and doesnt_have"
    if "seniority" in loc:
        return "a seniority level 0..8 or one of " + ", ".join(SENIORITY_LEVELS)
    return None
