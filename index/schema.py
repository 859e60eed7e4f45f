"""The Tantivy schema of a profile document, its analyzers, and the schema hash.

Every field the index holds is declared once in :data:`FIELDS`; the Tantivy schema, the
schema hash written into each version's manifest and ``docs/index.md`` all follow from it.

Analyzers (see ``docs/index.md`` for why):

- ``talent_text``: simple tokenizer -> drop tokens over 40 chars -> lowercase -> ASCII folding
  -> English (Snowball) stemmer. Free text: titles, skills, headline, summary, education.
- ``talent_name``: the same without stemming. Proper names: member, company, location.
- ``raw``: Tantivy's built-in untokenized analyzer. Taxonomy ids (``"15-1252.00"``,
  ``"tech:python"``), matched exactly and case-sensitively.

Custom analyzers are not persisted by Tantivy: every ``tantivy.Index`` must be opened through
:func:`open_tantivy_index` / :func:`create_tantivy_index`, which register them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import tantivy

#: Bump when the document layout changes in a way the schema hash does not capture (2: the
#: forward store keeps the analyzed tokens of the text fields L1 reads).
FORMAT_VERSION = 2

TEXT_ANALYZER = "talent_text"
NAME_ANALYZER = "talent_name"
RAW_ANALYZER = "raw"

Kind = Literal["text", "int", "float", "bool", "date"]


@dataclass(frozen=True)
class FieldSpec:
    """One Tantivy field: its type, analyzer and what it is used for."""

    name: str
    kind: Kind
    purpose: str
    analyzer: str | None = None
    stored: bool = False
    fast: bool = False
    indexed: bool = True
    positions: bool = False
    multi: bool = False


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("member_id", "int", "unique key: delete-by-term target, fast field for hit ids",
              stored=True, fast=True),
    # titles
    FieldSpec("title", "text", "current title (BM25, phrases)", TEXT_ANALYZER, positions=True),
    FieldSpec("title_id", "text", "current standardized occupation id (exact; occupation facet)",
              RAW_ANALYZER,
              fast=True),
    FieldSpec("past_titles", "text", "titles of earlier positions", TEXT_ANALYZER, positions=True,
              multi=True),
    FieldSpec("past_title_ids", "text", "occupation ids of earlier positions", RAW_ANALYZER,
              multi=True),
    # skills
    FieldSpec("skills", "text", "skill names (BM25, phrases)", TEXT_ANALYZER, positions=True,
              multi=True),
    FieldSpec("skill_ids", "text", "standardized skill ids (exact; skill facet)", RAW_ANALYZER,
              fast=True, multi=True),
    # companies
    FieldSpec("company", "text", "current company name", NAME_ANALYZER, positions=True),
    FieldSpec("company_id", "int", "current company id (exact; company facet)", fast=True),
    FieldSpec("past_companies", "text", "names of earlier companies", NAME_ANALYZER, positions=True,
              multi=True),
    FieldSpec("past_company_ids", "int", "ids of earlier companies", multi=True),
    # free text
    FieldSpec("headline", "text", "headline (BM25, phrases, highlighting)", TEXT_ANALYZER,
              positions=True),
    FieldSpec("summary", "text", "summary (BM25, phrases, highlighting)", TEXT_ANALYZER,
              positions=True),
    FieldSpec("education", "text", "school, degree and field of each education entry",
              TEXT_ANALYZER,
              positions=True, multi=True),
    FieldSpec("name", "text", "member's full name", NAME_ANALYZER, positions=True),
    # location and attributes
    FieldSpec("location", "text", "metro name and region (display; name search)", NAME_ANALYZER,
              positions=True),
    FieldSpec("metro_id", "int", "metro id (filter; location facet)", fast=True),
    FieldSpec("industry_id", "int", "industry id (filter; industry facet)", fast=True),
    FieldSpec("seniority", "int", "seniority level 0 intern .. 8 executive (range filter; facet)",
              fast=True),
    FieldSpec("years_experience", "float", "years of experience (range filter; histogram)",
              fast=True),
    FieldSpec("open_to_work", "bool", "open-to-work flag (filter; facet; shown)", fast=True),
    FieldSpec("willing_to_relocate", "bool", "willing to relocate (filter)", fast=True),
    FieldSpec("last_active", "date", "last activity time, UTC (range filter)", fast=True),
)

FIELD_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}
STORED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.stored)
FACET_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.fast and f.name != "member_id")


def _text_analyzer(stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


@cache
def analyzer(name: str) -> tantivy.TextAnalyzer:
    """The analyzer registered under ``name`` (``talent_text`` or ``talent_name``)."""
    if name == TEXT_ANALYZER:
        return _text_analyzer(stem=True)
    if name == NAME_ANALYZER:
        return _text_analyzer(stem=False)
    raise KeyError(f"no custom analyzer named {name!r}")


def analyze(field: str, text: str) -> list[str]:
    """The terms ``text`` becomes in ``field`` (what a term query on that field must use).

    Id fields (raw analyzer) keep the text as one exact term.
    """
    spec = FIELD_BY_NAME[field]
    if spec.kind != "text":
        raise ValueError(f"field {field!r} is not a text field")
    if spec.analyzer == RAW_ANALYZER:
        return [text] if text else []
    return analyzer(spec.analyzer or TEXT_ANALYZER).analyze(text)


@lru_cache(maxsize=1)
def build_schema() -> tantivy.Schema:
    """The Tantivy schema built from :data:`FIELDS` (cached; schemas are immutable)."""
    builder = tantivy.SchemaBuilder()
    for spec in FIELDS:
        if spec.kind == "text":
            option = "position" if spec.positions else ("freq" if spec.analyzer != RAW_ANALYZER
                                                        else "basic")
            builder.add_text_field(spec.name, stored=spec.stored, fast=spec.fast,
                                   tokenizer_name=spec.analyzer or TEXT_ANALYZER,
                                   index_option=option)
        elif spec.kind == "int":
            builder.add_integer_field(spec.name, stored=spec.stored, indexed=spec.indexed,
                                      fast=spec.fast)
        elif spec.kind == "float":
            builder.add_float_field(spec.name, stored=spec.stored, indexed=spec.indexed,
                                    fast=spec.fast)
        elif spec.kind == "bool":
            builder.add_boolean_field(spec.name, stored=spec.stored, indexed=spec.indexed,
                                      fast=spec.fast)
        elif spec.kind == "date":
            builder.add_date_field(spec.name, stored=spec.stored, indexed=spec.indexed,
                                   fast=spec.fast)
        else:  # pragma: no cover - FIELDS is static
            raise ValueError(f"unknown field kind {spec.kind}")
    return builder.build()


def schema_hash() -> str:
    """A short hash of the field list, analyzers and format version (stored in manifests)."""
    payload = {
        "format": FORMAT_VERSION,
        "fields": [asdict(f) | {"purpose": ""} for f in FIELDS],
        "analyzers": {TEXT_ANALYZER: "simple|remove_long40|lowercase|ascii_fold|stem_en",
                      NAME_ANALYZER: "simple|remove_long40|lowercase|ascii_fold"},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def register_analyzers(index: tantivy.Index) -> tantivy.Index:
    """Register the custom analyzers on ``index`` (needed after every open)."""
    index.register_tokenizer(TEXT_ANALYZER, analyzer(TEXT_ANALYZER))
    index.register_tokenizer(NAME_ANALYZER, analyzer(NAME_ANALYZER))
    return index


def create_tantivy_index(path: Path) -> tantivy.Index:
    """A new, empty Tantivy index with this schema at ``path`` (created if missing)."""
    path.mkdir(parents=True, exist_ok=True)
    return register_analyzers(tantivy.Index(build_schema(), path=str(path), reuse=False))


def open_tantivy_index(path: Path) -> tantivy.Index:
    """Open the Tantivy index at ``path`` with the analyzers registered."""
    return register_analyzers(tantivy.Index.open(str(path)))
