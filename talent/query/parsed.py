"""What the query stage hands to the broker: :class:`ParsedQuery`.

It carries the boolean tree (``ast``), the validated facets (``structured``) and one
:class:`Standardization` per value the standardizer looked at, mapped or not, so the UI can
show ``title: Software Developers (15-1252.00)`` and the broker can match ids instead of text.

Where standardizations come from (``source``) and what they ask for (``role``):

- ``source="text"``: a fielded leaf of the text (``title:"sr swe"``); ``role`` is
  ``"include"``, or ``"exclude"`` under an odd number of NOTs. :attr:`ParsedQuery.by_leaf`
  maps the leaf itself to its record, for walking the tree.
- ``source="tagged"``: a title or skill recognized inside unfielded keywords (``sr swe python``
  -> a title and a skill); ``role="include"``. The keywords stay in the tree as text; a tag is a
  hint (for boosting or features), not an extra requirement.
- ``source="facet"``: a value of the structured form; ``role`` is ``"must_have"``,
  ``"can_have"`` or ``"doesnt_have"``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeAlias

from talent.query.ast import Leaf, Node, leaves
from talent.query.ast import to_dict as ast_to_dict
from talent.query.options import DEFAULT_OPTIONS, ExpansionOptions
from talent.query.printer import to_text
from talent.query.structured import StructuredQuery

QueryType: TypeAlias = Literal[
    "title-only", "title+skills", "skills-only", "boolean-or", "free-text", "structured"
]
Source: TypeAlias = Literal["text", "tagged", "facet"]
Role: TypeAlias = Literal["include", "exclude", "must_have", "can_have", "doesnt_have"]
StandardizedField: TypeAlias = Literal[
    "title", "skill", "company", "location", "school", "industry", "seniority"
]
StandardizationMethod: TypeAlias = Literal["id", "exact", "expanded", "fuzzy", "unmapped"]

POSITIVE_ROLES: frozenset[Role] = frozenset({"include", "must_have", "can_have"})
NEGATIVE_ROLES: frozenset[Role] = frozenset({"exclude", "doesnt_have"})
ALL_SOURCES: frozenset[Source] = frozenset({"text", "tagged", "facet"})


@dataclass(frozen=True, slots=True)
class Standardization:
    """One raw value and the taxonomy entry it maps to (``id is None``: kept as text).

    ``id``: occupation id (title), skill id (skill), canonical company name (company), metro id
    (location), canonical school name (school), LinkedIn industry id (industry), level 0..8
    (seniority). ``seniority`` is the level a title named (``"sr swe"`` -> 4), else ``None``.
    """

    field: StandardizedField
    raw: str
    id: str | int | None
    label: str | None
    method: StandardizationMethod
    confidence: float
    source: Source
    role: Role
    seniority: int | None = None

    @property
    def positive(self) -> bool:
        return self.role in POSITIVE_ROLES

    def display(self) -> str:
        """``"title: Software Developers (15-1252.00)"``, or ``"company: acme (as text)"``."""
        if self.id is None:
            return f"{self.field}: {self.raw} (as text)"
        if self.field in ("company", "school") or self.label == str(self.id):
            return f"{self.field}: {self.label}"
        return f"{self.field}: {self.label} ({self.id})"


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed, standardized recruiter query (see the module docstring for the record kinds)."""

    text: str | None
    """The boolean text as typed, ``None`` for a facets-only structured query."""
    ast: Node | None
    """The parsed text, ``None`` when there is no text."""
    structured: StructuredQuery
    """The facets (all empty for a plain text query); ``structured.text`` equals ``text``."""
    standardizations: tuple[Standardization, ...]
    by_leaf: Mapping[Leaf, Standardization] = field(default_factory=dict)
    """Fielded leaves of ``ast`` -> their record (the first one, if a leaf appears twice)."""
    tagged_leaves: frozenset[Leaf] = frozenset()
    """Unfielded leaves covered by a ``source="tagged"`` record."""
    query_type: QueryType = "free-text"
    from_structured: bool = False
    """Whether the query arrived in the structured (JSON) form."""
    expansion: ExpansionOptions = DEFAULT_OPTIONS
    """How title expansion may rewrite the query (from ``expand:``/``noexpand:`` in the text and
    the structured form's ``expansion``)."""

    # --- text ---------------------------------------------------------------------------------
    @property
    def canonical_text(self) -> str | None:
        """The text in canonical form (``title:a OR title:b``), ``None`` without text."""
        return None if self.ast is None else to_text(self.ast)

    def keywords(self) -> list[Leaf]:
        """Unfielded leaves that must or may match (not under a NOT), in order."""
        if self.ast is None:
            return []
        return [leaf for leaf, negated in leaves(self.ast) if leaf.field is None and not negated]

    def free_text_terms(self) -> list[str]:
        """Text of the keywords that standardization did not recognize as a title or skill."""
        return [leaf.text for leaf in self.keywords() if leaf not in self.tagged_leaves]

    # --- standardized values ----------------------------------------------------------------------
    def records(
        self,
        field: StandardizedField,
        roles: Collection[Role] = POSITIVE_ROLES,
        sources: Collection[Source] = ALL_SOURCES,
    ) -> list[Standardization]:
        """Records of one field with the given roles and sources, in query order."""
        return [
            s
            for s in self.standardizations
            if s.field == field and s.role in roles and s.source in sources
        ]

    def ids(
        self,
        field: StandardizedField,
        roles: Collection[Role] = POSITIVE_ROLES,
        sources: Collection[Source] = ALL_SOURCES,
    ) -> list[Any]:
        """Distinct mapped ids of one field (positive roles by default), in query order."""
        return list(
            dict.fromkeys(s.id for s in self.records(field, roles, sources) if s.id is not None)
        )

    def title_ids(
        self, roles: Collection[Role] = POSITIVE_ROLES, sources: Collection[Source] = ALL_SOURCES
    ) -> list[str]:
        """Occupation ids (``"15-1252.00"``)."""
        return self.ids("title", roles, sources)

    def skill_ids(
        self, roles: Collection[Role] = POSITIVE_ROLES, sources: Collection[Source] = ALL_SOURCES
    ) -> list[str]:
        """Skill ids (``"tech:python"``)."""
        return self.ids("skill", roles, sources)

    def company_names(self, roles: Collection[Role] = POSITIVE_ROLES) -> list[str]:
        """Canonical company names (the taxonomy's spelling; the taxonomy has no company ids)."""
        return self.ids("company", roles)

    def metro_ids(self, roles: Collection[Role] = POSITIVE_ROLES) -> list[int]:
        """Metro ids."""
        return self.ids("location", roles)

    def industry_ids(self, roles: Collection[Role] = POSITIVE_ROLES) -> list[int]:
        """LinkedIn industry ids."""
        return self.ids("industry", roles)

    def school_names(self, roles: Collection[Role] = POSITIVE_ROLES) -> list[str]:
        """Canonical school names."""
        return self.ids("school", roles)

    def seniority_levels(
        self, roles: Collection[Role] = POSITIVE_ROLES, *, inferred: bool = True
    ) -> list[int]:
        """Seniority levels 0..8 from the seniority facet and, with ``inferred``, from titles
        (``sr swe``)."""
        levels = self.ids("seniority", roles)
        if inferred:
            levels += [s.seniority for s in self.records("title", roles) if s.seniority is not None]
        return sorted(set(levels))

    def unmapped(self) -> list[Standardization]:
        """Values kept as text because nothing in the taxonomy matched them."""
        return [s for s in self.standardizations if s.id is None]

    # --- logging ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary for logs and the API."""
        return {
            "text": self.text,
            "canonical": self.canonical_text,
            "query_type": self.query_type,
            "from_structured": self.from_structured,
            "ast": None if self.ast is None else ast_to_dict(self.ast),
            "facets": self.structured.model_dump(mode="json", exclude={"text", "expansion"}),
            "expansion": self.expansion.model_dump(mode="json"),
            "standardizations": [asdict(s) for s in self.standardizations],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
