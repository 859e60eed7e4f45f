"""Skills per occupation from the bundle: O*NET technologies, O*NET skill/knowledge ratings, ESCO
skills.

Importance scales (all in (0, 1], combined per occupation and sorted descending):

- technology ``tech:<slug>``: 0.85 in demand for this occupation and hot, 0.8 in demand only,
  0.55 hot only (a global O*NET flag, not specific to the occupation), 0.4 otherwise
  (at most :data:`MAX_TECH_PER_OCCUPATION`, most important first);
- O*NET rating ``skill:<element_id>`` / ``knowledge:<element_id>``: ``(importance - 1) / 4``, for
  ratings at least :data:`MIN_ONET_IMPORTANCE` that are neither "not relevant" nor suppressed;
- ESCO ``esco:<uuid>`` via the Nesta crosswalk: ``0.2 + 0.5 * share``, where ``share`` is the
  fraction of the occupation's crosswalked ESCO occupations listing the skill (essential counts
  1, optional 0.5); top :data:`MAX_ESCO_PER_OCCUPATION`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from talent.taxonomy.model import Occupation, Skill, SkillKind, normalize
from talent.taxonomy.tsv import read_tsv, to_float

MAX_TECH_PER_OCCUPATION = 40
MAX_ESCO_PER_OCCUPATION = 30
MIN_ONET_IMPORTANCE = 2.0  # O*NET 1..5 scale: 2 = "somewhat important"

# (hot technology, in demand for this occupation) -> importance
_TECH_IMPORTANCE = {
    (True, True): 0.85,
    (False, True): 0.8,
    (True, False): 0.55,
    (False, False): 0.4,
}


@dataclass(frozen=True, slots=True)
class SkillTables:
    skills: dict[str, Skill]
    occupation_skills: dict[str, list[tuple[str, float]]]


def display_tech_name(name: str) -> str:
    """Tidy an O*NET technology name for display.

    ``"Salesforce software"`` -> ``"Salesforce"`` (only after a capitalized word:
    ``"Web browser software"`` stays); ``"Amazon Web Services AWS"`` ->
    ``"Amazon Web Services (AWS)"`` when the last word is the initials of the words before.
    """
    words = name.split()
    if len(words) >= 2 and words[-1] == "software" and words[-2][:1].isupper():
        words = words[:-1]
    last = words[-1] if words else ""
    if 2 <= len(last) <= 6 and last.isalpha() and last.isupper() and len(words) > len(last):
        head = words[-1 - len(last) : -1]
        if "".join(w[0] for w in head).upper() == last:
            words = words[:-1] + [f"({last})"]
    return " ".join(words)


def tech_id(name: str) -> str:
    """``"Microsoft Excel"`` -> ``"tech:microsoft-excel"``."""
    return "tech:" + normalize(name).replace(" ", "-")


def _technology(
    directory: Path,
    occupations: dict[str, Occupation],
    skills: dict[str, Skill],
    out: dict[str, dict[str, float]],
) -> None:
    per_occ: dict[str, dict[str, float]] = defaultdict(dict)
    names: dict[str, str] = {}
    hot_ids: set[str] = set()
    uses: dict[str, int] = defaultdict(int)
    for row in read_tsv(
        directory / "onet_technology_skills.tsv",
        ("onet_soc_code", "technology", "hot_technology", "in_demand"),
    ):
        code = row["onet_soc_code"]
        if code not in occupations or not normalize(row["technology"]):
            continue
        name = display_tech_name(row["technology"])
        sid = tech_id(name)
        names.setdefault(sid, name)
        hot, demand = row["hot_technology"] == "Y", row["in_demand"] == "Y"
        if hot:
            hot_ids.add(sid)
        uses[sid] += 1
        importance = _TECH_IMPORTANCE[(hot, demand)]
        per_occ[code][sid] = max(importance, per_occ[code].get(sid, 0.0))
    for code, found in per_occ.items():
        top = sorted(found.items(), key=lambda kv: (-kv[1], -uses[kv[0]], kv[0]))[
            :MAX_TECH_PER_OCCUPATION
        ]
        for sid, importance in top:
            skills.setdefault(
                sid, Skill(id=sid, name=names[sid], kind="technology", hot=sid in hot_ids)
            )
            out[code][sid] = importance


def _ratings(
    directory: Path,
    occupations: dict[str, Occupation],
    skills: dict[str, Skill],
    out: dict[str, dict[str, float]],
) -> None:
    for row in read_tsv(
        directory / "onet_skill_knowledge_ratings.tsv",
        (
            "onet_soc_code",
            "domain",
            "element_id",
            "element_name",
            "importance",
            "not_relevant",
            "recommend_suppress",
        ),
    ):
        code = row["onet_soc_code"]
        if (
            code not in occupations
            or row["not_relevant"] == "Y"
            or row["recommend_suppress"] == "Y"
        ):
            continue
        raw = to_float(row["importance"])
        if raw < MIN_ONET_IMPORTANCE:
            continue
        kind: SkillKind = "knowledge" if row["domain"] == "knowledge" else "skill"
        sid = f"{kind}:{row['element_id']}"
        skills.setdefault(sid, Skill(id=sid, name=row["element_name"], kind=kind))
        out[code][sid] = min(1.0, round((raw - 1.0) / 4.0, 4))


def _esco(
    directory: Path,
    crosswalk: dict[str, list[str]],
    skills: dict[str, Skill],
    out: dict[str, dict[str, float]],
) -> None:
    wanted = {esco for codes in crosswalk.values() for esco in codes}
    relations: dict[str, dict[str, float]] = defaultdict(dict)
    for row in read_tsv(
        directory / "esco_occupation_skills.tsv", ("esco_code", "relation_type", "skill_uuid")
    ):
        if row["esco_code"] in wanted:
            weight = 1.0 if row["relation_type"] == "essential" else 0.5
            bucket = relations[row["esco_code"]]
            bucket[row["skill_uuid"]] = max(weight, bucket.get(row["skill_uuid"], 0.0))
    chosen: dict[str, list[tuple[str, float]]] = {}
    needed: set[str] = set()
    for code, esco_codes in crosswalk.items():
        score: dict[str, float] = defaultdict(float)
        for esco in esco_codes:
            for uuid, weight in relations.get(esco, {}).items():
                score[uuid] += weight / len(esco_codes)
        top = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_ESCO_PER_OCCUPATION]
        chosen[code] = top
        needed.update(uuid for uuid, _ in top)
    for row in read_tsv(
        directory / "esco_skills.tsv", ("skill_uuid", "preferred_label", "skill_type")
    ):
        if row["skill_uuid"] in needed:
            sid = f"esco:{row['skill_uuid']}"
            kind: SkillKind = "knowledge" if row["skill_type"] == "knowledge" else "skill"
            skills[sid] = Skill(id=sid, name=row["preferred_label"], kind=kind)
    for code, top in chosen.items():
        for uuid, share in top:
            sid = f"esco:{uuid}"
            if sid in skills:  # the bundle lacks a few unused ESCO skills
                out[code][sid] = round(0.2 + 0.5 * min(share, 1.0), 4)


def load_skills(
    directory: Path, occupations: dict[str, Occupation], crosswalk: dict[str, list[str]]
) -> SkillTables:
    """Build the skill vocabulary (only skills some occupation uses) and each occupation's weighted
    list."""
    skills: dict[str, Skill] = {}
    per_occ: dict[str, dict[str, float]] = defaultdict(dict)
    _technology(directory, occupations, skills, per_occ)
    _ratings(directory, occupations, skills, per_occ)
    _esco(directory, crosswalk, skills, per_occ)
    occupation_skills = {
        code: sorted(
            ((sid, imp) for sid, imp in per_occ.get(code, {}).items() if imp > 0),
            key=lambda p: (-p[1], p[0]),
        )
        for code in occupations
    }
    return SkillTables(skills=skills, occupation_skills=occupation_skills)
