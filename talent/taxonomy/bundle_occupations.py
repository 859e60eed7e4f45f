"""Occupations, employment weights, title variants and related occupations from the O*NET/BLS/ESCO
bundle files."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from talent.taxonomy.model import Occupation, normalize
from talent.taxonomy.tsv import read_tsv, to_float

MILITARY_FAMILY = "55"
MAX_VARIANTS = 40
MAX_VARIANT_CHARS = 50
_TIER_ORDER = {"Primary-Short": 0, "Primary-Long": 1, "Supplemental": 2}
_PARENTHESIZED = re.compile(r"\s*\(([^()]*)\)\s*")


def employment_by_soc(directory: Path) -> dict[str, float]:
    """OEWS national employment by SOC code, for every level (detailed, broad, minor, ...)."""
    return {
        row["soc_code"]: to_float(row["us_employment"])
        for row in read_tsv(
            directory / "soc_oews_2024.tsv", ("soc_code", "soc_level", "us_employment")
        )
        if row["soc_level"] != "total"
    }


def soc_levels(directory: Path) -> dict[str, str]:
    return {
        row["soc_code"]: row["soc_level"]
        for row in read_tsv(directory / "soc_oews_2024.tsv", ("soc_code", "soc_level"))
    }


def assign_employment(
    onet_codes: list[str], employment: dict[str, float], levels: dict[str, str]
) -> dict[str, float]:
    """Split OEWS employment over O*NET codes, joined on the first seven characters (the SOC code).

    1. A SOC code that OEWS publishes as a detailed occupation is split evenly across the O*NET
       codes that share it (e.g. 15-1299.01 .. 15-1299.09).
    2. O*NET codes whose SOC code OEWS does not publish share, evenly, the OEWS detailed codes
       no O*NET code matches within the same broad group (first 6 characters: OEWS publishes
       combined codes such as 13-1020 for 13-1021/13-1022/13-1023), else within the same minor
       group.
    3. Anything still unmatched gets the unclaimed remainder of its broad (then minor) group.
    """
    result: dict[str, float] = {}
    by_soc: dict[str, list[str]] = defaultdict(list)
    for code in onet_codes:
        by_soc[code[:7]].append(code)
    detailed = {c for c, level in levels.items() if level == "detailed"}
    pending: list[str] = []
    for soc, codes in by_soc.items():
        if soc in detailed:
            for code in codes:
                result[code] = employment[soc] / len(codes)
        else:
            pending.extend(codes)
    orphans = {c for c in detailed if c not in by_soc}
    for prefix_len in (6, 5):
        groups: dict[str, list[str]] = defaultdict(list)
        for code in pending:
            groups[code[:prefix_len]].append(code)
        still: list[str] = []
        for prefix, codes in groups.items():
            pool = sorted(c for c in orphans if c.startswith(prefix))
            if not pool:
                still.extend(codes)
                continue
            total = sum(employment[c] for c in pool)
            orphans.difference_update(pool)
            for code in codes:
                result[code] = total / len(codes)
        pending = still
    by_parent: dict[str, list[str]] = defaultdict(list)
    for code in pending:
        parent = next((p for p in (code[:6] + "0", code[:5] + "00") if p in employment), None)
        if parent is not None:
            by_parent[parent].append(code)
    rests = {
        parent: max(
            employment[parent]
            - sum(v for k, v in result.items() if k.startswith(parent.rstrip("0"))),
            0.0,
        )
        for parent in by_parent
    }
    for parent, codes in by_parent.items():
        for code in codes:
            result[code] = rests[parent] / len(codes)
    return result


def load_occupations(directory: Path) -> dict[str, Occupation]:
    """Civilian O*NET occupations with a BLS employment estimate (military and zero-employment ones
    skipped)."""
    rows = [
        row
        for row in read_tsv(
            directory / "onet_occupations.tsv",
            (
                "onet_soc_code",
                "title",
                "soc_major_group",
                "soc_major_group_title",
                "job_zone",
                "description",
            ),
        )
        if row["soc_major_group"] != MILITARY_FAMILY
    ]
    employment = assign_employment(
        [r["onet_soc_code"] for r in rows], employment_by_soc(directory), soc_levels(directory)
    )
    occupations: dict[str, Occupation] = {}
    for row in rows:
        code = row["onet_soc_code"]
        weight = employment.get(code, 0.0)
        if weight <= 0:
            continue
        occupations[code] = Occupation(
            id=code,
            title=row["title"],
            family=row["soc_major_group"],
            family_title=row["soc_major_group_title"],
            job_zone=int(row["job_zone"]) if row["job_zone"].isdigit() else 3,
            description=row["description"],
            employment=weight,
        )
    return occupations


def title_forms(title: str, short_title: str = "") -> list[str]:
    """Display forms of an O*NET title: ``"CEO (Chief Executive Officer)"`` ->
    ``["CEO", "Chief Executive Officer"]``."""
    forms: list[str] = []
    inner = _PARENTHESIZED.findall(title)
    outer = " ".join(_PARENTHESIZED.sub(" ", title).split())
    forms.append(outer or title)
    forms.extend(" ".join(part.split()) for part in inner)
    if short_title:
        forms.append(short_title)
    return [f for f in dict.fromkeys(forms) if f]


@dataclass(frozen=True, slots=True)
class TitleTables:
    variants: dict[str, list[str]]  # capped display variants, most common first
    alias_titles: dict[str, list[str]]  # every title string for standardization, most common first
    scores: dict[
        tuple[str, str], float
    ]  # (occupation, title form) -> commonness: O*NET sources, +0.5 if reported


def title_commonness(n_sources: int, reported: bool, shown: bool) -> float:
    """Proxy for how common a title is: O*NET sources listing it, +2 if incumbents reported it,
    +1 if My Next Move shows it."""
    return n_sources + (2.0 if reported else 0.0) + (1.0 if shown else 0.0)


def load_titles(directory: Path, occupations: dict[str, Occupation]) -> TitleTables:
    """Reported and alternate titles of each occupation, most common first (see
    :func:`title_commonness`; ties go to shorter titles). Parenthesized abbreviations become titles
    of their own."""
    sources: dict[tuple[str, str], int] = {}
    short: dict[tuple[str, str], str] = {}
    titles: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv(
        directory / "onet_alternate_titles.tsv",
        ("onet_soc_code", "alternate_title", "short_title", "sources"),
    ):
        code = row["onet_soc_code"]
        if code not in occupations:
            continue
        key = (code, row["alternate_title"])
        sources[key] = len([s for s in row["sources"].split(",") if s])
        short[key] = row["short_title"]
        titles[code].append(row["alternate_title"])
    reported: dict[tuple[str, str], bool] = {}
    for row in read_tsv(
        directory / "onet_reported_titles.tsv",
        ("onet_soc_code", "reported_title", "shown_in_my_next_move"),
    ):
        code = row["onet_soc_code"]
        if code in occupations:
            reported[(code, row["reported_title"])] = row["shown_in_my_next_move"] == "Y"
            titles[code].append(row["reported_title"])

    variants: dict[str, list[str]] = {}
    alias_titles: dict[str, list[str]] = {}
    scores: dict[tuple[str, str], float] = {}
    for code, occupation in occupations.items():
        ranked = sorted(
            (
                -title_commonness(
                    sources.get((code, title), 0),
                    (code, title) in reported,
                    reported.get((code, title), False),
                ),
                len(title),
                title,
            )
            for title in set(titles.get(code, ()))
        )
        forms: list[str] = []
        seen: set[str] = set()
        for neg_score, _, title in ranked:
            for form in title_forms(title, short.get((code, title), "")):
                norm = normalize(form)
                if norm and norm not in seen:
                    seen.add(norm)
                    forms.append(form)
                    scores[(code, form)] = -neg_score
        alias_titles[code] = forms
        display = [f for f in forms if len(f) <= MAX_VARIANT_CHARS][:MAX_VARIANTS]
        variants[code] = display or [occupation.title]
    return TitleTables(variants=variants, alias_titles=alias_titles, scores=scores)


def load_related(directory: Path, occupations: dict[str, Occupation]) -> dict[str, list[str]]:
    """Related occupations ordered by relatedness tier, then rank (only ones kept in
    ``occupations``)."""
    ranked: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for row in read_tsv(
        directory / "onet_related_occupations.tsv",
        ("onet_soc_code", "related_onet_soc_code", "relatedness_tier", "rank"),
    ):
        src, dst = row["onet_soc_code"], row["related_onet_soc_code"]
        if src in occupations and dst in occupations and src != dst:
            rank = int(row["rank"]) if row["rank"].isdigit() else 999
            ranked[src].append((_TIER_ORDER.get(row["relatedness_tier"], 3), rank, dst))
    return {
        code: list(dict.fromkeys(dst for *_, dst in sorted(ranked.get(code, ()))))
        for code in occupations
    }


def load_esco_crosswalk(
    directory: Path, occupations: dict[str, Occupation]
) -> dict[str, list[str]]:
    """O*NET code -> ESCO occupation codes mapped to it (codes still present in O*NET 29.3), best
    match first."""
    pairs: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for row in read_tsv(
        directory / "esco_onet_crosswalk.tsv",
        ("esco_code", "onet_soc_code", "onet_code_in_29_3", "confidence", "semantic_similarity"),
    ):
        code = row["onet_soc_code"]
        if row["esco_code"] and row["onet_code_in_29_3"] == "Y" and code in occupations:
            pairs[code].append(
                (
                    -to_float(row["confidence"]),
                    -to_float(row["semantic_similarity"]),
                    row["esco_code"],
                )
            )
    return {code: [esco for *_, esco in sorted(found)] for code, found in pairs.items()}


def load_esco_labels(directory: Path, crosswalk: dict[str, list[str]]) -> dict[str, list[str]]:
    """O*NET code -> ESCO preferred and alternative labels of its crosswalked ESCO occupations."""
    wanted = {esco for codes in crosswalk.values() for esco in codes}
    labels: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in read_tsv(
        directory / "esco_occupation_labels.tsv", ("esco_code", "label_type", "label")
    ):
        if row["esco_code"] in wanted and row["label_type"] in ("preferred", "alt"):
            labels[row["esco_code"]].append(
                (0 if row["label_type"] == "preferred" else 1, row["label"])
            )
    return {
        code: [label for esco in codes for _, label in sorted(labels.get(esco, ()))]
        for code, codes in crosswalk.items()
    }
