"""Skill specializations (``[members] specializations``): skill groups the world can give review
mode, and nothing else changes."""

from __future__ import annotations

import numpy as np
import pytest

from talent.taxonomy.fixture import load_fixture_taxonomy
from talent.world.config import load_world_config
from talent.world.generator import build_world


def plan_of(specializations: int):
    config = load_world_config("test")
    config = config.model_copy(update={"members": config.members.model_copy(
        update={"specializations": specializations})})
    return build_world(config, load_fixture_taxonomy())


@pytest.fixture(scope="module")
def plans():
    return plan_of(0), plan_of(3)


def skill_correlations(plan, occupation: int) -> np.ndarray:
    """Pairwise correlations of skill indicators among one occupation's members (upper
    triangle, skills held by 10-90% of them)."""
    rows = np.flatnonzero(plan.occ == occupation)
    held = np.zeros((len(rows), int(plan.skill_idx.max()) + 1))
    for r, m in enumerate(rows):
        held[r, plan.skill_idx[plan.skill_ptr[m]:plan.skill_ptr[m + 1]]] = 1
    share = held.mean(axis=0)
    corr = np.corrcoef(held[:, (share > 0.1) & (share < 0.9)].T)
    return corr[np.triu_indices_from(corr, k=1)]


def test_specializations_change_only_the_skills(plans):
    plain, special = plans
    for name in ("occ", "sen", "years", "metro", "company", "job_occ", "job_skill_idx"):
        assert np.array_equal(getattr(plain, name), getattr(special, name)), name
    assert not np.array_equal(plain.skill_idx, special.skill_idx)


def test_specializations_make_skills_go_together_within_an_occupation(plans):
    plain, special = plans
    biggest = int(np.bincount(plain.occ).argmax())
    strong = [np.mean(np.sort(skill_correlations(p, biggest))[-20:]) for p in plans]
    assert strong[1] > strong[0] + 0.05, strong
