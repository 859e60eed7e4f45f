"""Did each recruiter's learned L2 effects pick up the preference the world planted?

Reads the recruiters' hidden archetypes (:mod:`talent.world.truth`) to group the per-recruiter
GLMix coefficients the model learned from the logs alone; nothing here flows back into a model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

#: archetype -> the L1/L2 columns its planted preference should move (the expected sign)
PLANTED: dict[str, tuple[tuple[str, int], ...]] = {
    "local": (("location_match", +1),),
    "seniority-first": (("seniority_gap", -1), ("years_fit", +1)),
    "responsive": (("days_inactive", -1), ("open_to_work", +1)),
    "skills-first": (("skill_coverage", +1),),
    "pedigree": (),  # company brand is hidden and no feature shows it: nothing to learn
}


def recruiter_archetypes(settings: Any, world: str) -> pd.Series:
    """Recruiter id -> the archetype its hidden preferences were drawn from."""
    from talent.world.truth import ARCHETYPES, load_hidden, truth_dir

    hidden = load_hidden(truth_dir(settings.worlds_dir, world))
    names = np.array(list(ARCHETYPES))
    return pd.Series(names[hidden.archetype], index=np.arange(1, len(hidden.archetype) + 1),
                     name="archetype")


def coefficient_breakdown(model: Any, archetypes: pd.Series, min_rows: int = 1) -> dict[str, Any]:
    """Mean learned per-recruiter coefficient of each planted column, inside the archetype vs the
    other recruiters (standardized units), and how many recruiters each side holds."""
    effects = model.entities.get("recruiter")
    if effects is None or not len(effects.ids):
        return {}
    names = list(model.z_names)
    kinds = archetypes.reindex(effects.ids).to_numpy()
    enough = effects.rows >= min_rows
    out: dict[str, Any] = {}
    for archetype, columns in PLANTED.items():
        inside = (kinds == archetype) & enough
        outside = (kinds != archetype) & enough
        for column, sign in columns:
            if column not in names or not inside.any() or not outside.any():
                continue
            c = effects.coef[:, names.index(column)]
            out[f"{column} ({archetype} vs others)"] = {
                "inside": round(float(c[inside].mean()), 4),
                "outside": round(float(c[outside].mean()), 4),
                "expected_sign": sign,
                "learned": bool(np.sign(c[inside].mean() - c[outside].mean()) == sign),
                "recruiters": [int(inside.sum()), int(outside.sum())]}
    return out


def personalization_ceiling(settings: Any, world: str, test: Any,
                            cutoffs: tuple[int, ...] = (10, 25)) -> dict[str, Any]:
    """How much any per-recruiter model could add on the held-out logged lists: the expected
    accepts in the top k (given examination, under each recruiter's own hidden preferences)
    when the lists are ordered by the truth with the recruiter's own weights, against the truth
    with every recruiter's weights replaced by their mean (the best a model without
    per-recruiter effects could do). Their ratio bounds what GLMix's random effects can add to
    precision@k in this world; the report of a model, never an input."""
    from talent.world.truth import load_truth, sigmoid

    truth = load_truth(settings.worlds_dir, world)
    hidden = truth.hidden
    mean_weights, mean_bias = hidden.weights.mean(axis=0), float(hidden.bias.mean())
    rows = test.rows
    projects = test.searches["project_id"].reindex(rows["search_id"].to_numpy()).to_numpy()
    sid = rows["search_id"].to_numpy()
    members = rows["member_id"].to_numpy(dtype=np.int64)
    bounds = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1], True])
    totals = {k: {"own": 0.0, "mean": 0.0} for k in cutoffs}
    searches = 0
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        project = projects[a]
        if not project or np.isnan(project):
            continue
        job = truth.job(int(project))
        m = members[a:b]
        f = truth.features(job, m)
        base = truth.p_view(job, m, f) * truth.p_accept(None, job, m, f)
        prefs = f.preference_matrix()
        own = base * sigmoid(hidden.bias[job.recruiter]
                             + prefs @ hidden.weights[job.recruiter].astype(np.float64))
        pooled = base * sigmoid(mean_bias + prefs @ mean_weights.astype(np.float64))
        for k in cutoffs:
            totals[k]["own"] += float(np.sort(own)[::-1][:k].sum()) / k
            totals[k]["mean"] += float(own[np.argsort(-pooled, kind="stable")[:k]].sum()) / k
        searches += 1
    out: dict[str, Any] = {"searches": searches}
    for k in cutoffs:
        own, pooled = totals[k]["own"], totals[k]["mean"]
        out[f"precision@{k}"] = {"own_preferences": own / max(searches, 1),
                                 "mean_preferences": pooled / max(searches, 1),
                                 "ceiling_lift": own / pooled - 1 if pooled > 0 else 0.0}
    return out
