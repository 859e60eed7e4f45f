"""The recruiter query language: boolean text and the structured form, parsed and standardized.

Entry point: :func:`parse_query` -> :class:`ParsedQuery` (the tree, the facets, and one
:class:`Standardization` per title, skill, company, location, industry, school or seniority value).

Syntax: words, ``"exact phrases"``, ``AND`` / ``OR`` / ``NOT`` (upper case only), parentheses,
juxtaposition as AND, ``-word`` for NOT, field prefixes ``title:`` ``skill:`` ``company:``
``location:`` ``school:`` (also on a phrase or a group: ``title:(a OR b)``). Precedence:
NOT > AND > OR. Errors are :class:`~talent.errors.QueryError` with a 0-based position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from talent.query.ast import FIELDS, And, Field, Leaf, Node, Not, Or, Phrase, Term
from talent.query.parsed import ParsedQuery, QueryType, Standardization
from talent.query.parser import MAX_CLAUSES, MAX_DEPTH, MAX_QUERY_CHARS, parse
from talent.query.pipeline import build_parsed_query, standardizer_for
from talent.query.printer import to_text
from talent.query.standardize import Match, Standardizer
from talent.query.structured import Facet, StructuredQuery, YearsRange, parse_structured
from talent.taxonomy.model import Taxonomy

__all__ = [
    "FIELDS",
    "MAX_CLAUSES",
    "MAX_DEPTH",
    "MAX_QUERY_CHARS",
    "And",
    "Facet",
    "Field",
    "Leaf",
    "Match",
    "Node",
    "Not",
    "Or",
    "ParsedQuery",
    "Phrase",
    "QueryType",
    "Standardization",
    "Standardizer",
    "StructuredQuery",
    "Term",
    "YearsRange",
    "parse",
    "parse_query",
    "parse_structured",
    "standardizer_for",
    "to_text",
]


def parse_query(
    query: str | Mapping[str, Any] | StructuredQuery, taxonomy: Taxonomy | Standardizer
) -> ParsedQuery:
    """Parse and standardize a recruiter query.

    Parameters
    ----------
    query:
        Boolean text as typed, the structured JSON form (a mapping), or a validated
        :class:`StructuredQuery`.
    taxonomy:
        The taxonomy to standardize against (its :class:`Standardizer` is built once and
        cached), or a ready :class:`Standardizer`.

    Raises
    ------
    QueryError
        Empty, over-long, purely negative or malformed text (with a 0-based position), or an
        invalid structured form (message names the field).
    """
    return build_parsed_query(query, taxonomy)
