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
    names = list(model.spec.dense_names)
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
