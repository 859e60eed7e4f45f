"""Turn query text or the structured form into a :class:`~talent.query.parsed.ParsedQuery`.

Steps: validate the structured form -> parse the text -> standardize fielded leaves, tag
unfielded keywords, standardize facet values -> classify the query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

from talent.errors import QueryError
from talent.query.ast import And, Leaf, Node, Or, Phrase, Term, has_or, leaves
from talent.query.options import extract_options, merge_options
from talent.query.parsed import ParsedQuery, QueryType, Role, Standardization, StandardizedField
from talent.query.parser import parse
from talent.query.standardize import Match, Standardizer
from talent.query.structured import FACET_NAMES, StructuredQuery, parse_structured
from talent.storage.models import SENIORITY_LEVELS
from talent.taxonomy.model import Taxonomy

_FACET_FIELDS: dict[str, StandardizedField] = {
    "titles": "title",
    "skills": "skill",
    "companies": "company",
    "locations": "location",
    "industries": "industry",
    "seniority": "seniority",
}
_FACET_ROLES: tuple[Role, ...] = ("must_have", "can_have", "doesnt_have")

_CACHE_SIZE = 4
_cache: dict[int, tuple[Taxonomy, Standardizer]] = {}
_cache_lock = threading.Lock()


def standardizer_for(taxonomy: Taxonomy | Standardizer) -> Standardizer:
    """The (cached) :class:`Standardizer` of ``taxonomy``; building one indexes every alias once."""
    if isinstance(taxonomy, Standardizer):
        return taxonomy
    with _cache_lock:
        entry = _cache.get(id(taxonomy))
        if entry is not None and entry[0] is taxonomy:
            return entry[1]
    standardizer = Standardizer(taxonomy)
    with _cache_lock:
        while len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[id(taxonomy)] = (taxonomy, standardizer)
    return standardizer


def build_parsed_query(
    query: str | Mapping[str, Any] | StructuredQuery, taxonomy: Taxonomy | Standardizer
) -> ParsedQuery:
    """Parse and standardize ``query`` (text, JSON form, or a validated
    :class:`StructuredQuery`)."""
    standardizer = standardizer_for(taxonomy)
    if isinstance(query, str):
        searched, text_options = _without_options(query)
        ast: Node | None = parse(searched)
        structured = StructuredQuery(text=query)
        from_structured = False
    else:
        structured = parse_structured(query)
        from_structured = True
        if structured.is_empty():
            raise QueryError(
                "the query is empty: give text or at least one facet value",
                expected="text or a facet value",
            )
        text = structured.text if structured.has_text else None
        text_options = None
        if text is not None:
            text, text_options = extract_options(text)
            if not text.strip():
                if not any(len(getattr(structured, name)) for name in FACET_NAMES):
                    raise QueryError(_ONLY_OPTIONS, 0)
                text = None
        ast = None if text is None else parse(text, allow_negative_only=structured.restricts())
        if (
            ast is None
            and not structured.restricts()
            and not any(getattr(structured, name).can_have for name in FACET_NAMES)
        ):
            raise QueryError(
                "the query only excludes (doesnt_have values) and would match nearly everyone: "
                "add a must-have or can-have value"
            )

    records: list[Standardization] = []
    by_leaf: dict[Leaf, Standardization] = {}
    tagged: set[Leaf] = set()
    if ast is not None:
        for leaf, negated in leaves(ast):
            if leaf.field is None:
                continue
            record = _record(
                leaf.field,
                leaf.text,
                standardizer.standardize(leaf.field, leaf.text),
                "text",
                "exclude" if negated else "include",
            )
            records.append(record)
            by_leaf.setdefault(leaf, record)
        for run in _keyword_runs(ast):
            for hit in standardizer.tag([leaf.text for leaf in run]):
                covered = run[hit.start : hit.end]
                tagged.update(covered)
                raw = " ".join(leaf.text for leaf in covered)
                records.append(_record(hit.field, raw, hit.match, "tagged", "include"))
    records.extend(_facet_records(structured, standardizer))
    return ParsedQuery(
        text=structured.text if structured.has_text else None,
        ast=ast,
        structured=structured,
        standardizations=tuple(records),
        by_leaf=by_leaf,
        tagged_leaves=frozenset(tagged),
        query_type=classify(ast, records, frozenset(tagged)),
        from_structured=from_structured,
        expansion=merge_options(text_options, structured.expansion),
    )


def _without_options(text: str) -> tuple[str, Any]:
    """The text with its options blanked out, and the options; refuses a text of options only."""
    searched, options = extract_options(text)
    if options is not None and text.strip() and not searched.strip():
        raise QueryError(_ONLY_OPTIONS, 0)
    return searched, options


_ONLY_OPTIONS = ("the query holds only options (expand:, noexpand:): add a title, skill or "
                 "keyword to search for")


def classify(
    ast: Node | None, records: list[Standardization], tagged: frozenset[Leaf]
) -> QueryType:
    """The query's type, checked in this order.

    ``boolean-or``: the text has an OR. ``free-text``: a keyword (unfielded, not negated) is
    not recognized as a title or skill. Otherwise by the positive titles and skills anywhere
    (fielded, tagged or facet): ``title+skills``, ``title-only``, ``skills-only``; and
    ``structured`` when there are neither (only company, location, industry, school,
    seniority, experience or open-to-work conditions).
    """
    if ast is not None:
        if has_or(ast):
            return "boolean-or"
        if any(
            leaf.field is None and not negated and leaf not in tagged
            for leaf, negated in leaves(ast)
        ):
            return "free-text"
    titles = any(r.field == "title" and r.positive for r in records)
    skills = any(r.field == "skill" and r.positive for r in records)
    if titles and skills:
        return "title+skills"
    if titles:
        return "title-only"
    if skills:
        return "skills-only"
    return "structured"


def _keyword_runs(node: Node) -> Iterator[list[Leaf]]:
    """Runs of unfielded, non-negated keywords that read as one phrase (neighbours in an AND)."""
    if isinstance(node, (Term, Phrase)):
        if node.field is None:
            yield [node]
    elif isinstance(node, Or):
        for item in node.items:
            yield from _keyword_runs(item)
    elif isinstance(node, And):
        run: list[Leaf] = []
        for item in node.items:
            if isinstance(item, Term) and item.field is None:
                run.append(item)
                continue
            if run:
                yield run
                run = []
            yield from _keyword_runs(item)
        if run:
            yield run
    # a Not yields nothing: negated keywords are not tagged


def _facet_records(
    structured: StructuredQuery, standardizer: Standardizer
) -> Iterator[Standardization]:
    for name in FACET_NAMES:
        facet = getattr(structured, name)
        field = _FACET_FIELDS[name]
        for role in _FACET_ROLES:
            for value in getattr(facet, role):
                if field == "seniority":
                    match: Match | None = Match(value, SENIORITY_LEVELS[value], "id", 1.0)
                else:
                    match = standardizer.standardize(field, value)
                yield _record(field, str(value), match, "facet", role)


def _record(
    field: StandardizedField, raw: str, match: Match | None, source: Any, role: Role
) -> Standardization:
    if match is None:
        return Standardization(field, raw, None, None, "unmapped", 0.0, source, role)
    return Standardization(
        field,
        raw,
        match.id,
        match.label,
        match.method,
        match.confidence,
        source,
        role,
        match.seniority,
    )
