"""The L1 features other than text coverage in plain numpy: the code the compiled loop
(:mod:`index.l1.features_kernel`) replaced, kept as the oracle it must equal bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np

from index.forward import ForwardBatch
from index.l1.features import FEATURE_INDEX, _code_table
from index.l1.features_kernel import KERNEL_FEATURES


def _lookup(keys: np.ndarray, weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    table = _code_table(values, np.asarray(keys), np.asarray(weights), np.float32)
    return table[values] if table is not None else np.zeros(len(values), np.float32)


def _isin(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    table = _code_table(values, np.asarray(wanted), None, np.bool_) if len(values) else None
    return table[values] if table is not None else np.zeros(len(values), dtype=bool)


def reference_features(batch: ForwardBatch, q: Any, families: np.ndarray) -> np.ndarray:
    """``(n, len(KERNEL_FEATURES))``: the features of ``batch`` as the numpy code computed them."""
    n = len(batch)
    X = np.zeros((n, len(FEATURE_INDEX)), dtype=np.float32)
    col = batch.columns

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
    if len(q.expansion_codes):
        put("title_expansion", _lookup(q.expansion_codes, q.expansion_similarity, occ))
    member_family = np.where((occ >= 0) & (occ < len(families)),
                             families[np.clip(occ, 0, len(families) - 1)], -2)
    put("title_same_family",
        np.isin(member_family, q.title_families) if len(q.title_families) else 0.0)
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
    return X[:, [FEATURE_INDEX[f] for f in KERNEL_FEATURES]]
