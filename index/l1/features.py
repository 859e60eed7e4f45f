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

from index.forward import ForwardBatch, ForwardStore
from index.l1.coverage import coverage_query, text_coverage
from index.l1.features_kernel import (
    HAS_EXPANSION,
    HAS_FAMILIES,
    HAS_LOCATION,
    HAS_OCCUPATION_SKILLS,
    HAS_SENIORITY,
    HAS_SKILLS,
    HAS_TITLE,
    HAS_YEARS_MAX,
    HAS_YEARS_MIN,
    KERNEL_FEATURES,
    UNWEIGHTED_SKILLS,
    fill_features,
)
from index.serving.partition import Partition
from index.serving.plan import COVERAGE_FIELDS, QueryFeatures, QueryPlan
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


#: the columns of X the compiled loop writes, in its order
_KERNEL_AT = np.asarray([FEATURE_INDEX[n] for n in KERNEL_FEATURES], dtype=np.int64)
_NONE_INT = np.zeros(0, dtype=np.int64)
_NONE_FLOAT = np.zeros(0, dtype=np.float32)
_NONE_BOOL = np.zeros(0, dtype=np.bool_)


def _table(keys: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Code -> True (``weights`` None) or the key's weight, the last one of a repeated key; codes
    past the table are not keys (an empty table: no key is a code)."""
    table = _code_table(_NONE_INT, np.asarray(keys), None if weights is None
                        else np.asarray(weights), np.bool_ if weights is None else np.float32)
    if table is None:
        return _NONE_BOOL if weights is None else _NONE_FLOAT
    return table


def _writable(values: np.ndarray) -> np.ndarray:
    """``values`` as a writable int32 array: a plan from a Ray actor's message holds read-only
    arrays, and the compiled loop has one version for the types of a local plan."""
    return np.array(values, dtype=np.int32)


def _fill_other_features(X: np.ndarray, batch: ForwardBatch, q: Any,
                         families: np.ndarray) -> None:
    """Every feature but text coverage (:data:`KERNEL_FEATURES`), by the compiled loop over the
    batch's rows where the forward store keeps them."""
    columns, csr, rows, order = batch.in_place()
    flags = 0
    for present, bit in ((len(q.title_codes), HAS_TITLE), (len(q.skill_codes), HAS_SKILLS),
                         (len(q.occupation_skill_codes), HAS_OCCUPATION_SKILLS),
                         (len(q.seniority_levels), HAS_SENIORITY),
                         (q.years_min is not None, HAS_YEARS_MIN),
                         (q.years_max is not None, HAS_YEARS_MAX), (len(q.metros), HAS_LOCATION),
                         (len(q.expansion_codes), HAS_EXPANSION),
                         (len(q.title_families), HAS_FAMILIES)):
        if present:
            flags |= bit
    skills, past = csr["skills"], csr["past_occupations"]
    if skills.data is None:
        flags |= UNWEIGHTED_SKILLS
    levels = q.seniority_levels
    fill_features(
        X, _KERNEL_AT, rows, order, flags,
        columns["occupation"], columns["seniority"], columns["years_experience"],
        columns["metro"], columns["willing_to_relocate"], columns["open_to_work"],
        columns["last_active_day"], columns["current_start_day"], columns["completeness"],
        columns["num_skills"], columns["num_positions"], columns["num_companies"],
        columns["education_level"],
        past.indptr, past.indices, skills.indptr, skills.indices,
        skills.data if skills.data is not None else _NONE_FLOAT,
        _table(q.title_codes), _table(q.related_codes),
        _table(q.expansion_codes, q.expansion_similarity) if len(q.expansion_codes)
        else _NONE_FLOAT,
        _writable(families), _writable(q.title_families),
        _table(q.skill_codes), _table(q.skill_codes, q.skill_weights),
        # the totals as the numpy code took them: a float32 sum made a Python float
        float(q.skill_weights[q.skill_codes >= 0].sum()) or 1.0 if len(q.skill_codes) else 1.0,
        _table(q.occupation_skill_codes),
        _table(q.occupation_skill_codes, q.occupation_skill_weights),
        float(q.occupation_skill_weights.sum()) or 1.0 if len(q.occupation_skill_codes)
        else 1.0,
        _writable(q.metros),
        # numpy compares and subtracts a Python float with a float32 column in float32
        np.float32(levels.min() if len(levels) else 0), np.float32(levels.max() if len(levels)
                                                                  else 0),
        np.float32(q.years_min if q.years_min is not None else 0.0),
        np.float32(q.years_max if q.years_max is not None else 0.0),
        int(q.reference_day))


def prepare_features(store: ForwardStore) -> None:
    """Compile the feature loop for ``store``'s arrays now (read in place, and gathered), so that
    a recruiter's first search does not wait for it."""
    q = QueryFeatures.empty()
    for ids in (np.zeros(0, dtype=np.int64), np.asarray([-1], dtype=np.int64)):
        batch = store.gather(ids)
        X = np.zeros((len(batch), len(FEATURE_NAMES)), dtype=np.float32)
        _fill_other_features(X, batch, q, np.zeros(1, dtype=np.int32))


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
    X[:, : len(COVERAGE_FIELDS)] = text_coverage(batch, coverage_query(plan, snapshot.vocab))

    _fill_other_features(X, batch, q, snapshot.occupation_families)
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
