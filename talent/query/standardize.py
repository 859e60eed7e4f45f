"""Map what recruiters type (titles, skills, companies, locations, industries, schools) to taxonomy
ids.

Titles and skills go through, in order, stopping at the first hit:

1. a taxonomy id typed as is (``15-1252.00``, ``tech:python``) -> method ``"id"``;
2. the exact alias (``taxonomy.title_aliases`` / ``skill_aliases``, normalized keys) -> ``"exact"``;
3. rewritten forms -> ``"expanded"``: abbreviations expanded (``sr swe`` -> ``senior software
   engineer``), leading seniority words stripped but remembered (``senior``), trailing level
   markers dropped (``ii``), a plural last word made singular, spaces and dots squeezed out
   (``nodejs`` = ``node.js``);
4. typo correction -> ``"fuzzy"``: each word not in the vocabulary is replaced by the most
   common vocabulary word within a small edit distance (optimal string alignment: 1 edit for
   words of 4-7 letters, 2 from 8 letters; candidates share the word's first or second letter),
   then steps 2-3 again. A typo in the first letter is not corrected unless it swaps the first two.

Companies match by name without legal forms (``Inc``, ``Corp``, ``LLC``, ...), locations by metro
name, ``"City, ST"`` or ``"City, State"`` and a few nicknames (``NYC``, ``SF``); both fall back to a
whole-string fuzzy match (rapidfuzz ratio >= :data:`FUZZY_NAME_CUTOFF`). Anything unmatched is
``None``: the caller keeps it as text.

A :class:`Standardizer` precomputes its indexes once per taxonomy (under a second for ~60k
aliases) and memoizes lookups; it assumes the taxonomy is not mutated afterwards.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal, TypeAlias

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from talent.query.vocabulary import (
    ABBREVIATIONS,
    COMPANY_NOISE,
    LEVEL_SUFFIXES,
    LOCATION_NOISE,
    METRO_NICKNAMES,
    SENIORITY_FILLERS,
    SENIORITY_WORDS,
    US_STATES,
    WEAK_SENIORITY_WORDS,
)
from talent.taxonomy.model import CompanyRef, MetroRef, Taxonomy, normalize

Method: TypeAlias = Literal["id", "exact", "expanded", "fuzzy"]
StandardField: TypeAlias = Literal["title", "skill", "company", "location", "industry", "school"]

MIN_FUZZY_WORD = 4
"""Shortest word that typo correction touches."""
FUZZY_NAME_CUTOFF = 88.0
"""Least rapidfuzz ratio (0-100) for a fuzzy company, metro, industry or school name."""
MAX_TAG_WORDS = 6
"""Longest run of keywords that query tagging tries as one title or skill."""

_EXPANDED_CONFIDENCE = 0.95
_MEMO_SIZE = 8192


@dataclass(frozen=True, slots=True)
class Match:
    """A standardized value: the taxonomy id, its display label, and how it was found.

    ``id`` is an occupation id (titles), a skill id (skills), the canonical company name
    (companies: the taxonomy has no company ids), a metro id (locations), a LinkedIn industry id
    (industries) or the canonical school name (schools). ``seniority`` is set for titles that
    named a level (``"sr swe"`` -> 4, ``"senior"`` in ``SENIORITY_LEVELS``).
    """

    id: str | int
    label: str
    method: Method
    confidence: float
    seniority: int | None = None


@dataclass(frozen=True, slots=True)
class Tagged:
    """Keywords ``words[start:end]`` recognized as one title or skill by
    :meth:`Standardizer.tag`."""

    start: int
    end: int
    field: Literal["title", "skill"]
    match: Match


# --- word helpers -------------------------------------------------------------------------------
def expand(tokens: Sequence[str]) -> list[str]:
    """Tokens with abbreviations expanded (``["sr", "swe"]`` ->
    ``["senior", "software", "engineer"]``)."""
    out: list[str] = []
    for tok in tokens:
        out.extend(ABBREVIATIONS[tok].split() if tok in ABBREVIATIONS else (tok,))
    return out


def strip_seniority(tokens: Sequence[str]) -> tuple[list[str], int | None, bool]:
    """Drop leading seniority words and trailing level markers.

    Returns ``(rest, level, weak)``: the remaining tokens, the highest level named (or ``None``),
    and whether every seniority word found was a weak one (see ``WEAK_SENIORITY_WORDS``).
    """
    rest = list(tokens)
    level: int | None = None
    weak = True
    while rest and (
        rest[0] in SENIORITY_WORDS or (level is not None and rest[0] in SENIORITY_FILLERS)
    ):
        word = rest.pop(0)
        if word in SENIORITY_WORDS:
            level = SENIORITY_WORDS[word] if level is None else max(level, SENIORITY_WORDS[word])
            weak = weak and word in WEAK_SENIORITY_WORDS
    while len(rest) > 1 and rest[-1] in LEVEL_SUFFIXES:
        rest.pop()
    return rest, level, weak if level is not None else False


def singular(tokens: Sequence[str]) -> list[str]:
    """Tokens with a plural-looking last word made singular (``developers`` -> ``developer``)."""
    if not tokens:
        return []
    last = tokens[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-3] + "y" if last.endswith("ies") else last[:-1]
    return [*tokens[:-1], last]


def compact(text: str) -> str:
    """``text`` without spaces, dots and hyphens: ``"node.js"`` and ``"node js"`` ->
    ``"nodejs"``."""
    return text.replace(" ", "").replace(".", "").replace("-", "")


def company_key(name: str) -> str:
    """A company name without legal forms and fillers: ``"The Walt Disney Company"`` ->
    ``"walt disney"``."""
    tokens = [tok.removesuffix(".com") or tok for tok in normalize(name).split()]
    kept = [tok for tok in tokens if tok not in COMPANY_NOISE]
    return " ".join(kept or tokens)


_KNOWN_WORDS = (
    frozenset(ABBREVIATIONS) | frozenset(SENIORITY_WORDS) | SENIORITY_FILLERS | LEVEL_SUFFIXES
)


class TokenCorrector:
    """Typo correction of single words against a vocabulary with word counts."""

    def __init__(self, counts: Mapping[str, int]):
        self.counts = dict(counts)
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(self.counts, key=lambda w: (-self.counts[w], w)):
            if len(word) >= MIN_FUZZY_WORD - 2:
                buckets[(word[0], len(word))].append(word)
        self.buckets = dict(buckets)
        self.correct = lru_cache(maxsize=_MEMO_SIZE)(self._correct)  # type: ignore[method-assign]

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def correct(self, word: str) -> str | None:
        """The most common vocabulary word within the allowed distance of ``word``, or ``None``."""
        return self._correct(word)  # replaced per instance by a memoized version

    def _correct(self, word: str) -> str | None:
        n = len(word)
        if n < MIN_FUZZY_WORD or word in self.counts or any(ch.isdigit() for ch in word):
            return None
        limit = 1 if n < 8 else 2
        candidates: list[str] = []
        for first in dict.fromkeys(word[:2]):
            for length in range(n - limit, n + limit + 1):
                candidates.extend(self.buckets.get((first, length), ()))
        if not candidates:
            return None
        found = process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        if not found:
            return None
        best = min(found, key=lambda hit: (hit[1], -self.counts[hit[0]], hit[0]))
        return best[0]

    def correct_all(self, tokens: Sequence[str], keep: Container[str] = frozenset()) -> list[str]:
        """``tokens`` with every unknown, correctable word corrected (words in ``keep`` stay)."""
        out = []
        for tok in tokens:
            fixed = None if tok in _KNOWN_WORDS or tok in keep else self.correct(tok)
            out.append(fixed or tok)
        return out


class _AliasIndex:
    """Exact, compact and typo-tolerant lookup of normalized aliases -> ids."""

    def __init__(self, aliases: Mapping[str, str]):
        self.exact: dict[str, str] = dict(aliases)
        self.compact: dict[str, str] = {}
        for key, value in self.exact.items():
            squeezed = compact(key)
            if len(squeezed) >= 4:
                self.compact.setdefault(squeezed, value)
        self.corrector = TokenCorrector(Counter(tok for key in self.exact for tok in key.split()))

    def get(self, tokens: Sequence[str]) -> str | None:
        key = " ".join(tokens)
        return self.exact.get(key) or self.compact.get(compact(key))


# --- the standardizer ---------------------------------------------------------------------------
class Standardizer:
    """Standardization lookups over one taxonomy (build once, reuse for every query)."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        title_aliases = dict(taxonomy.title_aliases)
        for occ in taxonomy.occupations.values():
            title_aliases.setdefault(normalize(occ.title), occ.id)
        skill_aliases = dict(taxonomy.skill_aliases)
        for skill in taxonomy.skills.values():
            skill_aliases.setdefault(normalize(skill.name), skill.id)
        self._titles = _AliasIndex(title_aliases)
        self._skills = _AliasIndex(skill_aliases)
        self._all_words = frozenset(self._titles.corrector.counts) | frozenset(
            self._skills.corrector.counts
        )
        self._companies = _NameIndex(_company_names(taxonomy.companies))
        self._schools = _NameIndex({normalize(name): name for name in taxonomy.schools})
        self._industries = _NameIndex(
            {normalize(name): str(i) for i, name in taxonomy.industries.items()}
        )
        self._metros = _MetroIndex(taxonomy.metros)
        self._title = lru_cache(maxsize=_MEMO_SIZE)(self._lookup_title)
        self._skill = lru_cache(maxsize=_MEMO_SIZE)(self._lookup_skill)

    # public lookups ---------------------------------------------------------------------------
    def standardize(
        self, field: StandardField, raw: str | int, *, fuzzy: bool = True
    ) -> Match | None:
        """Dispatch to the lookup for ``field``; ``None`` when nothing matches."""
        if field == "industry":
            return self.industry(raw)
        text = str(raw)
        if field == "title":
            return self.title(text, fuzzy=fuzzy)
        if field == "skill":
            return self.skill(text, fuzzy=fuzzy)
        if field == "company":
            return self.company(text)
        if field == "location":
            return self.location(text)
        return self.school(text)

    def title(self, raw: str, *, fuzzy: bool = True) -> Match | None:
        """Occupation for a title string (``"sr swe"`` -> Software Developers, seniority 4)."""
        return self._title(raw.strip(), fuzzy, False)

    def skill(self, raw: str, *, fuzzy: bool = True) -> Match | None:
        """Skill for a skill string (``"javascrpit"`` -> JavaScript)."""
        return self._skill(raw.strip(), fuzzy, False)

    def company(self, raw: str) -> Match | None:
        """Company by name, ignoring legal forms; ``id`` and ``label`` are the canonical name."""
        hit = self._companies.find(company_key(raw), also=(normalize(raw),))
        return None if hit is None else Match(hit[0], hit[0], hit[1], hit[2])

    def location(self, raw: str) -> Match | None:
        """Metro for a place (``"Seattle"``, ``"Seattle, WA"``, ``"NYC"``); ``id`` is the metro
        id."""
        return self._metros.find(raw)

    def industry(self, raw: str | int) -> Match | None:
        """LinkedIn industry by id (int or digits) or by name."""
        industries = self.taxonomy.industries
        text = str(raw).strip()
        if isinstance(raw, int) or (text.isascii() and text.isdigit()):
            number = int(text)
            return Match(number, industries[number], "id", 1.0) if number in industries else None
        hit = self._industries.find(normalize(text))
        return None if hit is None else Match(int(hit[0]), industries[int(hit[0])], hit[1], hit[2])

    def school(self, raw: str) -> Match | None:
        """School by name; ``id`` and ``label`` are the canonical name."""
        hit = self._schools.find(normalize(raw))
        return None if hit is None else Match(hit[0], hit[0], hit[1], hit[2])

    def tag(self, words: Sequence[str]) -> list[Tagged]:
        """Recognize titles and skills inside a run of keywords, longest spans first, left to right.

        ``["sr", "swe", "python"]`` -> a title over words 0-1 and a skill at word 2. Typo
        correction only touches words that neither the title nor the skill vocabulary knows.
        """
        found: list[Tagged] = []
        start = 0
        while start < len(words):
            for end in range(min(len(words), start + MAX_TAG_WORDS), start, -1):
                span = " ".join(words[start:end])
                title = self._title(span.strip(), True, True)
                if title is not None:
                    found.append(Tagged(start, end, "title", title))
                    break
                skill = self._skill(span.strip(), True, True)
                if skill is not None:
                    found.append(Tagged(start, end, "skill", skill))
                    break
            else:
                end = start + 1
            start = end
        return found

    # internals --------------------------------------------------------------------------------
    def _lookup_title(self, raw: str, fuzzy: bool, keep_known: bool) -> Match | None:
        occupations = self.taxonomy.occupations
        if raw in occupations:
            return Match(raw, occupations[raw].title, "id", 1.0)
        tokens = normalize(raw).split()
        found = self._title_from_tokens(tokens)
        if found is None and fuzzy:
            corrected = self._titles.corrector.correct_all(
                tokens, self._all_words if keep_known else ()
            )
            if corrected != tokens:
                found = self._title_from_tokens(corrected)
                if found is not None:
                    found = replace(
                        found, method="fuzzy", confidence=_similarity(tokens, corrected)
                    )
        return found

    def _title_from_tokens(self, tokens: Sequence[str]) -> Match | None:
        if not tokens:
            return None
        expanded = expand(tokens)
        rest, level, weak = strip_seniority(expanded)
        labels = self.taxonomy.occupations
        exact = self._titles.exact.get(" ".join(tokens))
        if exact is not None:
            return Match(exact, _label(labels, exact), "exact", 1.0, None if weak else level)
        variants = (
            (tokens, False),
            (expanded, False),
            (singular(expanded), False),
            (rest, True),
            (singular(rest), True),
        )
        for variant, stripped in variants:
            found = self._titles.get(variant) if variant else None
            if found is not None:
                seniority = level if (stripped or not weak) else None
                return Match(
                    found, _label(labels, found), "expanded", _EXPANDED_CONFIDENCE, seniority
                )
        return None

    def _lookup_skill(self, raw: str, fuzzy: bool, keep_known: bool) -> Match | None:
        skills = self.taxonomy.skills
        if raw in skills:
            return Match(raw, skills[raw].name, "id", 1.0)
        tokens = normalize(raw).split()
        found = self._skill_from_tokens(tokens)
        if found is None and fuzzy:
            corrected = self._skills.corrector.correct_all(
                tokens, self._all_words if keep_known else ()
            )
            if corrected != tokens:
                found = self._skill_from_tokens(corrected)
                if found is not None:
                    found = replace(
                        found, method="fuzzy", confidence=_similarity(tokens, corrected)
                    )
        return found

    def _skill_from_tokens(self, tokens: Sequence[str]) -> Match | None:
        if not tokens:
            return None
        skills = self.taxonomy.skills
        exact = self._skills.exact.get(" ".join(tokens))
        if exact is not None:
            return Match(exact, _skill_label(skills, exact), "exact", 1.0)
        expanded = expand(tokens)
        for variant in (tokens, expanded, singular(expanded)):
            found = self._skills.get(variant)
            if found is not None:
                return Match(found, _skill_label(skills, found), "expanded", _EXPANDED_CONFIDENCE)
        return None


def _label(occupations: Mapping[str, object], occ_id: str) -> str:
    occ = occupations.get(occ_id)
    return getattr(occ, "title", occ_id)


def _skill_label(skills: Mapping[str, object], skill_id: str) -> str:
    skill = skills.get(skill_id)
    return getattr(skill, "name", skill_id)


def _similarity(before: Sequence[str], after: Sequence[str]) -> float:
    return round(OSA.normalized_similarity(" ".join(before), " ".join(after)), 3)


def _company_names(companies: Iterable[CompanyRef]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for ref in companies:
        for key in (company_key(ref.name), normalize(ref.name)):
            if key:
                keys.setdefault(key, ref.name)
    return keys


class _NameIndex:
    """Exact, compact and whole-string fuzzy lookup over a few thousand names."""

    def __init__(self, keys: Mapping[str, str]):
        self.exact = dict(keys)
        self.compact: dict[str, str] = {}
        for key, value in self.exact.items():
            self.compact.setdefault(compact(key), value)
        self.choices = list(self.exact)

    def find(self, key: str, also: Iterable[str] = ()) -> tuple[str, Method, float] | None:
        """``(value, method, confidence)`` for ``key`` (or an ``also`` spelling), or ``None``."""
        if not key:
            return None
        for candidate in (key, *also):
            if candidate in self.exact:
                return self.exact[candidate], "exact", 1.0
        squeezed = compact(key)
        if squeezed in self.compact:
            return self.compact[squeezed], "expanded", _EXPANDED_CONFIDENCE
        if len(key) < MIN_FUZZY_WORD or not self.choices:
            return None
        best = process.extractOne(
            key, self.choices, scorer=fuzz.ratio, score_cutoff=FUZZY_NAME_CUTOFF
        )
        if best is None:
            return None
        return self.exact[best[0]], "fuzzy", round(best[1] / 100.0, 3)


class _MetroIndex:
    """Metros by name, by ``name + state`` (code or full name), and by nickname."""

    def __init__(self, metros: Sequence[MetroRef]):
        self.by_id = {m.id: m for m in metros}
        self.by_name: dict[str, MetroRef] = {}
        self.by_place: dict[str, MetroRef] = {}
        for metro in sorted(metros, key=lambda m: (-m.population, m.id)):
            name = normalize(metro.name)
            self.by_name.setdefault(name, metro)
            for region in _region_forms(metro):
                self.by_place.setdefault(f"{name} {region}", metro)
        self.regions = {form for metro in metros for form in _region_forms(metro)}
        self.choices = [*self.by_name, *self.by_place]

    def find(self, raw: str) -> Match | None:
        text = raw.strip()
        if text.isascii() and text.isdigit() and int(text) in self.by_id:
            return self._match(self.by_id[int(text)], "id", 1.0)
        full = normalize(text)
        tokens = [tok for tok in full.split() if tok not in LOCATION_NOISE]
        key = " ".join(tokens)
        if not key:
            return None
        for candidate in (key, *METRO_NICKNAMES.get(full, ()), *METRO_NICKNAMES.get(key, ())):
            metro = self.by_place.get(candidate) or self.by_name.get(candidate)
            if metro is not None:
                return self._match(metro, "exact" if candidate == key else "expanded", 1.0)
        name, region = self._split_region(tokens)
        if region is not None:
            for candidate in (name, *METRO_NICKNAMES.get(name, ())):
                metro = self.by_name.get(candidate)
                if metro is not None and region in _region_forms(metro):
                    return self._match(metro, "expanded", _EXPANDED_CONFIDENCE)
        if len(key) < MIN_FUZZY_WORD:
            return None
        best = process.extractOne(
            key, self.choices, scorer=fuzz.ratio, score_cutoff=FUZZY_NAME_CUTOFF
        )
        if best is None:
            return None
        metro = self.by_place.get(best[0]) or self.by_name[best[0]]
        if region is not None and region not in _region_forms(metro):
            return None  # "Portland, ME" must not become Portland, Oregon
        return self._match(metro, "fuzzy", round(best[1] / 100.0, 3))

    def _split_region(self, tokens: list[str]) -> tuple[str, str | None]:
        for width in (3, 2, 1):
            if len(tokens) > width:
                tail = " ".join(tokens[-width:])
                if tail in self.regions or tail in US_STATES or tail in US_STATES.values():
                    return " ".join(tokens[:-width]), US_STATES.get(tail, tail)
        return " ".join(tokens), None

    @staticmethod
    def _match(metro: MetroRef, method: Method, confidence: float) -> Match:
        label = f"{metro.name}, {metro.region}" if metro.region else metro.name
        return Match(metro.id, label, method, confidence)


def _region_forms(metro: MetroRef) -> set[str]:
    """Normalized ways to name a metro's region: full name, U.S. postal code, country code."""
    region = normalize(metro.region)
    forms = {region} if region else set()
    if region in US_STATES:
        forms.add(US_STATES[region])
    if len(region) == 2 and region in US_STATES.values():
        forms.update(name for name, code in US_STATES.items() if code == region)
    if metro.country:
        forms.add(normalize(metro.country))
    return forms
