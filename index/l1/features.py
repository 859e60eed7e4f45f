"""The L1 features: the one feature code of serving and training.

:func:`candidate_features` is THE feature code: serving (:func:`index.l1.scoring.score_partition`)
and training (:mod:`talent.training.l1`) both call it, so a model sees at serving time exactly the
features it was trained on. Features come from the query plan and the forward store, text-match
features too (the candidates' token rows, :mod:`index.l1.coverage`).
Protected attributes (gender) are not in the forward store and never features.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from index.forward import ForwardBatch
from index.l1.coverage import coverage_query, text_coverage
from index.serving.partition import Partition
from index.serving.plan import COVERAGE_FIELDS, QueryPlan
from index.serving.snapshot import IndexSnapshot

FEATURE_NAMES: tuple[str, ...] = (
    *(f"text_{f}" for f in COVERAGE_FIELDS),
    "title_same_occupation",
    "title_past_occupation",
    "title_related_occupation",
    "title_same_family",
    "query_has_title",
    "skill_coverage",
    "skill_matched_count",
    "skill_endorsement",
    "occupation_skill_overlap",
    "query_has_skills",
    "seniority",
    "seniority_gap",
    "query_has_seniority",
    "years_experience",
    "years_fit",
    "location_match",
    "query_has_location",
    "willing_to_relocate",
    "open_to_work",
    "days_inactive",
    "tenure_years",
    "completeness",
    "num_skills",
    "num_positions",
    "num_companies",
    "education_level",
    # appended after the first models were trained: a model's recorded feature list selects
    # its columns (index.l1.model), so models trained without it keep serving
    "title_expansion",
)
FEATURE_INDEX = {n: i for i, n in enumerate(FEATURE_NAMES)}
PROTECTED_ATTRIBUTES = ("gender", "sex", "first_name", "name", "age", "birth", "ethnicity", "race")

#: Weights of the text-match score (the fallback ranker and the "text match" baseline).
TEXT_MATCH_WEIGHTS: dict[str, float] = {"text_title": 3.0, "text_skills": 2.0, "text_headline": 1.0,
                                        "text_summary": 0.5, "text_past_titles": 0.5,
                                        "text_company": 1.0, "title_same_occupation": 2.0,
                                        "skill_coverage": 1.0, "title_expansion": 1.0}
TEXT_MATCH_RANKER = "text-match"
FALLBACK_RANKER = "text-match (no L1 model)"


def text_match_score(features: np.ndarray) -> np.ndarray:
    """A fixed weighted sum of the text and id match features."""
    w = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
    for name, weight in TEXT_MATCH_WEIGHTS.items():
        w[FEATURE_INDEX[name]] = weight
    return (features @ w).astype(np.float32)



def _code_table(values: np.ndarray, keys: np.ndarray, weights: np.ndarray | None, dtype: type
                ) -> np.ndarray | None:
    """A table indexed by code: ``weights[i]`` (or True) at ``keys[i]`` (the last one for a
    repeated key), 0 elsewhere, long enough for every code of ``values``; its last entry is
    always 0, so code ``-1`` (none) reads 0. None when no key is a code (>= 0)."""
    valid = keys >= 0
    if not valid.any():
        return None
    size = max(int(values.max(initial=-1)), int(keys.max())) + 2
    table: np.ndarray = np.zeros(size, dtype=dtype)
    if weights is None:
        table[keys[valid]] = True
    else:  # dict: the last weight of a repeated key wins, whatever numpy's assignment order
        pairs = dict(zip(keys[valid].tolist(), weights[valid].tolist()))
        table[np.fromiter(pairs.keys(), np.int64, len(pairs))] = np.fromiter(pairs.values(), dtype,
                                                                             len(pairs))
    return table


def _lookup(keys: np.ndarray, weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``weights[i]`` for each value equal to ``keys[i]`` (the last one for a repeated key), else 0
    (codes: ints >= -1)."""
    table = _code_table(values, np.asarray(keys), np.asarray(weights), np.float32)
    return table[values] if table is not None else np.zeros(len(values), np.float32)


def _isin(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which ``values`` are among ``wanted`` (codes: ints >= -1; -1 is never wanted)."""
    table = _code_table(values, np.asarray(wanted), None, np.bool_) if len(values) else None
    return table[values] if table is not None else np.zeros(len(values), dtype=bool)


def candidate_features(snapshot: IndexSnapshot, partition: Partition, plan: QueryPlan,
                       member_ids: np.ndarray, batch: ForwardBatch | None = None) -> np.ndarray:
    """L1 features ``(n, len(FEATURE_NAMES))`` of ``member_ids`` held by ``partition``.

    The one feature function of L1, used at serving and at training time (``batch``: the
    members' forward rows, gathered from ``partition``, when the caller has them).
    """
    ids = np.asarray(member_ids, dtype=np.int64)
    n = len(ids)
    X = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    if n == 0:
        return X
    q = plan.features
    if batch is None:
        batch = partition.features(ids)
    col = batch.columns
    X[:, : len(COVERAGE_FIELDS)] = text_coverage(batch, coverage_query(plan, snapshot.vocab))

    def put(name: str, values: Any) -> None:
        X[:, FEATURE_INDEX[name]] = values

    occ = col["occupation"]
    put("title_same_occupation", _isin(occ, q.title_codes))
    past = batch.csr["past_occupations"]
    past_owner = np.repeat(np.arange(n), np.diff(past.indptr))
    past_hit = np.zeros(n, dtype=bool)
    if len(q.title_codes) and len(past.indices):
        past_hit[past_owner[_isin(past.indices, q.title_codes)]] = True
    put("title_past_occupation", past_hit)
    put("title_related_occupation", _isin(occ, q.related_codes))
    # the similarity of an expanded title the member holds (0: none), whether or not this
    # search added the expansions (the same at training time)
    if len(q.expansion_codes):
        put("title_expansion", _lookup(q.expansion_codes, q.expansion_similarity, occ))
    families = snapshot.occupation_families
    member_family = np.where((occ >= 0) & (occ < len(families)),
                             families[np.clip(occ, 0, len(families) - 1)], -2)
    put("title_same_family",
        np.isin(member_family, q.title_families) if len(q.title_families) else 0.0)  # -2: none
    put("query_has_title", float(len(q.title_codes) > 0))

    skills = batch.csr["skills"]
    owner = np.repeat(np.arange(n), np.diff(skills.indptr))
    weights = skills.data if skills.data is not None else np.ones(len(skills.indices), np.float32)
    if len(q.skill_codes):
        match = _isin(skills.indices, q.skill_codes)
        imp_of = _lookup(q.skill_codes, q.skill_weights, skills.indices[match])
        total = float(q.skill_weights[q.skill_codes >= 0].sum()) or 1.0
        put("skill_coverage", np.bincount(owner[match], weights=imp_of, minlength=n) / total)
        count = np.bincount(owner[match], minlength=n)
        put("skill_matched_count", count)
        put("skill_endorsement",
            np.bincount(owner[match], weights=weights[match], minlength=n) / np.maximum(count, 1))
    if len(q.occupation_skill_codes):
        match = _isin(skills.indices, q.occupation_skill_codes)
        imp_of = _lookup(q.occupation_skill_codes, q.occupation_skill_weights,
                         skills.indices[match])
        total = float(q.occupation_skill_weights.sum()) or 1.0
        put("occupation_skill_overlap",
            np.bincount(owner[match], weights=imp_of, minlength=n) / total)
    put("query_has_skills", float(len(q.skill_codes) > 0))

    seniority = col["seniority"].astype(np.float32)
    put("seniority", seniority)
    if len(q.seniority_levels):
        lo, hi = float(q.seniority_levels.min()), float(q.seniority_levels.max())
        put("seniority_gap", np.maximum(lo - seniority, 0) + np.maximum(seniority - hi, 0))
        put("query_has_seniority", 1.0)
    years = col["years_experience"].astype(np.float32)
    put("years_experience", years)
    fit = np.ones(n, dtype=bool)
    if q.years_min is not None:
        fit &= years >= q.years_min
    if q.years_max is not None:
        fit &= years <= q.years_max
    put("years_fit", fit)
    put("location_match", np.isin(col["metro"], q.metros) if len(q.metros) else 0.0)
    put("query_has_location", float(len(q.metros) > 0))
    put("willing_to_relocate", col["willing_to_relocate"])
    put("open_to_work", col["open_to_work"])
    last = col["last_active_day"]
    put("days_inactive", np.where(last >= 0, np.maximum(q.reference_day - last, 0), 3650))
    start = col["current_start_day"]
    put("tenure_years", np.where(start >= 0, np.maximum(q.reference_day - start, 0) / 365.25, 0))
    put("completeness", col["completeness"])
    put("num_skills", col["num_skills"])
    put("num_positions", col["num_positions"])
    put("num_companies", col["num_companies"])
    put("education_level", col["education_level"])
    return X


def features_for_members(snapshot: IndexSnapshot, plan: QueryPlan,
                         member_ids: np.ndarray) -> np.ndarray:
    """Features of members from any shards, in the order given (the training path)."""
    ids = np.asarray(member_ids, dtype=np.int64)
    X = np.zeros((len(ids), len(FEATURE_NAMES)), dtype=np.float32)
    owner = snapshot.partition_of(ids)
    for shard in np.unique(owner):
        rows = np.flatnonzero(owner == shard)
        X[rows] = candidate_features(snapshot, snapshot.partitions[int(shard)], plan, ids[rows])
    return X
