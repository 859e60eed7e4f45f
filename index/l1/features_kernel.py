"""The L1 features other than text coverage, compiled (numba): one pass over the candidates.

The numpy version gathered each column the features read into a new array (13 columns and two
CSR row sets a partition), then made ~60 array passes over them, holding the GIL between them:
~0.6 ms a partition of 2,000 candidates at 1M profiles. This loop reads the forward store's
arrays in place (``rows``: each candidate's row in them) and writes every feature of a candidate
at once, in the arithmetic and precision of the numpy code (float64 sums in row order, as
``np.bincount`` adds them; float32 where numpy computed in float32), so the values are equal
bit for bit (``tests/search/test_features_kernel.py`` compares them with the numpy version);
it releases the GIL, so the partitions' threads run it side by side.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: The features the loop writes, in the order of its ``at`` argument (their columns in X).
KERNEL_FEATURES: tuple[str, ...] = (
    "title_same_occupation", "title_past_occupation", "title_related_occupation",
    "title_expansion", "title_same_family", "query_has_title",
    "skill_coverage", "skill_matched_count", "skill_endorsement", "occupation_skill_overlap",
    "query_has_skills",
    "seniority", "seniority_gap", "query_has_seniority", "years_experience", "years_fit",
    "location_match", "query_has_location", "willing_to_relocate", "open_to_work",
    "days_inactive", "tenure_years", "completeness", "num_skills", "num_positions",
    "num_companies", "education_level",
)

#: bits of the ``flags`` argument: which parts of the query are present
HAS_TITLE, HAS_SKILLS, HAS_OCCUPATION_SKILLS, HAS_SENIORITY = 1, 2, 4, 8
HAS_YEARS_MIN, HAS_YEARS_MAX, HAS_LOCATION, HAS_EXPANSION, HAS_FAMILIES = 16, 32, 64, 128, 256
#: ``flags`` bit: the skills CSR carries no weights (every weight is 1)
UNWEIGHTED_SKILLS = 512


@njit(cache=True, nogil=True, inline="always")
def _in_table(table, code):  # pragma: no cover - compiled
    return code >= 0 and code < len(table) and table[code] != 0


@njit(cache=True, nogil=True, inline="always")
def _among(values, value):  # pragma: no cover - compiled
    for v in values:
        if v == value:
            return True
    return False


@njit(cache=True, nogil=True)
def fill_features(X, at, rows, order, flags,
                  occupation, seniority, years, metro, relocate, open_to_work, last_day,
                  start_day, completeness, num_skills, num_positions, num_companies, education,
                  past_indptr, past_indices, skill_indptr, skill_indices, skill_data,
                  title_table, related_table, expansion_table, families, title_families,
                  skill_match, skill_weight, skill_total, occ_skill_match, occ_skill_weight,
                  occ_skill_total, metros, seniority_lo, seniority_hi, years_min, years_max,
                  reference_day):  # pragma: no cover - compiled
    """Write the :data:`KERNEL_FEATURES` of candidate ``i`` (fields at row ``rows[i]`` of the
    column and CSR arrays) into ``X[i, at[...]]``, for ``i`` in ``order``.

    Tables are indexed by code (0: not wanted; codes outside a table are not wanted):
    ``title_table`` / ``related_table`` / ``skill_match`` / ``occ_skill_match`` mark the
    query's codes, ``expansion_table`` / ``skill_weight`` / ``occ_skill_weight`` hold their
    weights (float32). ``years_min``/``years_max``/``seniority_lo``/``seniority_hi`` are float32,
    compared as numpy compares a float32 column with a Python float.
    """
    zero32 = np.float32(0.0)
    has_title = (flags & HAS_TITLE) != 0
    has_skills = (flags & HAS_SKILLS) != 0
    has_occ_skills = (flags & HAS_OCCUPATION_SKILLS) != 0
    has_seniority = (flags & HAS_SENIORITY) != 0
    has_families = (flags & HAS_FAMILIES) != 0
    has_location = (flags & HAS_LOCATION) != 0
    has_expansion = (flags & HAS_EXPANSION) != 0
    unweighted = (flags & UNWEIGHTED_SKILLS) != 0
    n_families = len(families)
    for i in order:
        r = rows[i]
        occ = np.int64(occupation[r])
        X[i, at[0]] = np.float32(_in_table(title_table, occ))
        past = False
        if has_title:
            for j in range(past_indptr[r], past_indptr[r + 1]):
                if _in_table(title_table, np.int64(past_indices[j])):
                    past = True
                    break
        X[i, at[1]] = np.float32(past)
        X[i, at[2]] = np.float32(_in_table(related_table, occ))
        if has_expansion and occ >= 0 and occ < len(expansion_table):
            X[i, at[3]] = expansion_table[occ]
        if has_families:
            family = np.int64(families[occ]) if occ >= 0 and occ < n_families else np.int64(-2)
            X[i, at[4]] = np.float32(_among(title_families, family))
        X[i, at[5]] = np.float32(has_title)

        if has_skills or has_occ_skills:
            matched = 0
            coverage = 0.0
            endorsement = 0.0
            overlap = 0.0
            for j in range(skill_indptr[r], skill_indptr[r + 1]):
                code = np.int64(skill_indices[j])
                if has_skills and _in_table(skill_match, code):
                    matched += 1
                    coverage += np.float64(skill_weight[code])
                    endorsement += 1.0 if unweighted else np.float64(skill_data[j])
                if has_occ_skills and _in_table(occ_skill_match, code):
                    overlap += np.float64(occ_skill_weight[code])
            if has_skills:
                X[i, at[6]] = np.float32(coverage / skill_total)
                X[i, at[7]] = np.float32(matched)
                X[i, at[8]] = np.float32(endorsement / max(matched, 1))
            if has_occ_skills:
                X[i, at[9]] = np.float32(overlap / occ_skill_total)
        X[i, at[10]] = np.float32(has_skills)

        level = np.float32(seniority[r])
        X[i, at[11]] = level
        if has_seniority:
            X[i, at[12]] = max(seniority_lo - level, zero32) + max(level - seniority_hi, zero32)
            X[i, at[13]] = np.float32(1.0)
        y = np.float32(years[r])
        X[i, at[14]] = y
        fit = True
        if (flags & HAS_YEARS_MIN) != 0:
            fit = fit and y >= years_min
        if (flags & HAS_YEARS_MAX) != 0:
            fit = fit and y <= years_max
        X[i, at[15]] = np.float32(fit)
        if has_location:
            X[i, at[16]] = np.float32(_among(metros, np.int64(metro[r])))
        X[i, at[17]] = np.float32(has_location)
        X[i, at[18]] = np.float32(relocate[r])
        X[i, at[19]] = np.float32(open_to_work[r])
        last = np.int64(last_day[r])
        X[i, at[20]] = np.float32(max(reference_day - last, 0) if last >= 0 else 3650)
        start = np.int64(start_day[r])
        X[i, at[21]] = np.float32(max(reference_day - start, 0) / 365.25 if start >= 0 else 0.0)
        X[i, at[22]] = np.float32(completeness[r])
        X[i, at[23]] = np.float32(num_skills[r])
        X[i, at[24]] = np.float32(num_positions[r])
        X[i, at[25]] = np.float32(num_companies[r])
        X[i, at[26]] = np.float32(education[r])
