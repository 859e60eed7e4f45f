"""The hidden truth: graded relevance, recruiter preferences, member responses, examination."""

from __future__ import annotations

import numpy as np

from talent.world.truth import ARCHETYPES, PREFERENCE_FEATURES, load_hidden, truth_dir


def _some_job(truth):
    return truth.job(1)


def test_truth_files_follow_the_documented_layout(test_world):
    directory = truth_dir(test_world.worlds_dir, "test")
    names = {p.name for p in directory.iterdir()}
    assert {
        "manifest.json",
        "members.npz",
        "companies.npz",
        "contracts.npz",
        "recruiters.npz",
        "examination.npy",
    } <= names
    hidden = load_hidden(directory)
    assert hidden.responsiveness.shape == (2000,)
    assert hidden.weights.shape == (24, len(PREFERENCE_FEATURES))


def test_relevance_is_graded_and_favours_the_jobs_occupation(truth):
    job = _some_job(truth)
    members = np.arange(1, 2001)
    grades = truth.relevance(job, members)
    assert grades.min() >= 0 and grades.max() <= 4
    same = truth.state.m_occ == job.occ
    assert grades[same].mean() > grades[~same].mean() + 1.0


def test_open_to_work_members_accept_more(truth):
    members = np.arange(1, 2001)
    otw = truth.state.m_otw.astype(bool)
    p = np.mean([truth.p_accept(None, j, members) for j in range(1, 21)], axis=0)
    assert 1.5 < p[otw].mean() / p[~otw].mean() < 4.0


def test_recent_activity_raises_accepts(truth):
    members = np.arange(1, 2001)
    p = truth.p_accept(None, 1, members)
    recent = truth.state.m_inactive_days < 14
    assert p[recent].mean() > 1.5 * p[truth.state.m_inactive_days > 120].mean()


def test_recruiters_weigh_features_differently(truth):
    w = truth.hidden.weights
    assert len(set(truth.hidden.archetype.tolist())) >= 3
    local = list(ARCHETYPES).index("local")
    loc = PREFERENCE_FEATURES.index("location")
    is_local = truth.hidden.archetype == local
    if is_local.any() and (~is_local).any():
        assert w[is_local, loc].mean() > 2 * w[~is_local, loc].mean()
    assert (w.std(axis=0) / w.mean(axis=0)).max() > 0.5


def test_p_inmail_is_a_probability_below_p_view(truth):
    members = np.arange(1, 201)
    p_view = truth.p_view(1, members)
    p_inmail = truth.p_inmail(None, 1, members)
    assert np.all((p_inmail >= 0) & (p_inmail <= p_view) & (p_view <= 1))


def test_examination_falls_with_position(truth):
    exam = truth.examination(np.arange(100))
    assert exam[0] == 1.0
    assert np.all(np.diff(exam) < 0)
    assert exam[25] < 0.7 * exam[24]  # page 2 starts at position 26


def test_expected_accepts_combine_recruiter_and_member(truth):
    members = np.arange(1, 101)
    job = truth.job(3)
    np.testing.assert_allclose(
        truth.expected_accepts(job, members),
        truth.p_inmail(None, job, members) * truth.p_accept(None, job, members),
    )


def test_preference_strength_scales_how_far_archetypes_depart_from_the_base():
    from talent.world.truth import BASE_WEIGHTS, PREFERENCE_FEATURES, draw_recruiter_preferences

    default = draw_recruiter_preferences(np.random.default_rng(3), 600)
    same = draw_recruiter_preferences(np.random.default_rng(3), 600, 1.0)
    assert all(np.array_equal(a, b) for a, b in zip(default, same, strict=True))
    alike, _, _ = draw_recruiter_preferences(np.random.default_rng(3), 600, 0.0)
    strong, _, archetype = draw_recruiter_preferences(np.random.default_rng(3), 600, 3.0)
    # strength 0: every recruiter is the base weights times jitter only
    assert np.allclose(np.median(alike / BASE_WEIGHTS, axis=0), 1.0, atol=0.05)
    location = PREFERENCE_FEATURES.index("location")
    local = archetype == list(ARCHETYPES).index("local")
    ratio = lambda w: np.median(w[local, location]) / np.median(w[~local, location])  # noqa: E731
    assert ratio(strong) > 5 * ratio(default[0])
# --- review sessions: the shape of the hidden intent ---------------------------------------------
def _intents(truth, shape, jobs=range(1, 9), seed=3):
    from talent.world.truth import draw_review_intent

    out = []
    for j in jobs:
        rng = np.random.default_rng([seed, j])
        out.append((draw_review_intent(truth, rng, j, shape), rng.random()))
    return out


def test_the_default_intent_is_two_equal_focus_skills_drawn_as_before(truth):
    from talent.world.truth import REVIEW, IntentShape, focus_share, p_good_fit, sigmoid

    members = np.arange(1, 2001)
    default, named = _intents(truth, None), _intents(truth, "focus2")
    for (a, next_a), (b, next_b) in zip(default, named, strict=True):
        assert a.weights is None and 1 <= a.focus.size <= 2
        assert np.array_equal(a.focus, b.focus) and next_a == next_b  # same draws, same rng state
        # the equal share of the focus held, in the logistic the docs state
        held = np.array([np.isin(a.focus, truth.state.m_skill_idx[
            truth.state.m_skill_ptr[m - 1]:truth.state.m_skill_ptr[m]]).mean()
            for m in members])
        assert np.allclose(focus_share(truth, a, members), held)
        grade = truth.relevance(a.job, members).astype(float)
        assert np.allclose(p_good_fit(truth, a, members),
                           sigmoid(REVIEW["intercept"] + REVIEW["focus"] * held
                                   + REVIEW["relevance"] * (grade - 2)))
    assert IntentShape.parse(None) == IntentShape.parse("focus2") == IntentShape(2, False)


def test_other_intent_shapes_change_the_focus_size_and_grade_its_weights(truth):
    from talent.world.truth import focus_share

    members = np.arange(1, 2001)
    two, four = _intents(truth, None), _intents(truth, "focus4")
    graded = _intents(truth, "focus4-graded")
    assert max(i.focus.size for i, _ in four) == 4
    for (a, _), (b, _), (g, _) in zip(two, four, graded, strict=True):
        assert b.focus.size <= 4 and b.weights is None
        assert np.array_equal(b.focus[: a.focus.size], a.focus)  # the same ranking, longer
        assert np.array_equal(g.focus, b.focus)                   # the weights are drawn last
        assert g.weights.shape == g.focus.shape and np.isclose(g.weights.sum(), 1.0)
        assert (g.weights > 0).all()
        share = focus_share(truth, g, members)
        assert share.min() >= 0 and share.max() <= 1 + 1e-9
    # graded weights differ between skills (a Dirichlet draw, not the equal share)
    assert any(np.ptp(g.weights) > 0.1 for g, _ in graded if g.focus.size > 1)
    three = _intents(truth, "focus3-graded")
    assert max(g.focus.size for g, _ in three) == 3


def test_unknown_intent_shapes_are_refused(truth):
    import pytest

    from talent.world.truth import REVIEW_INTENTS, IntentShape

    assert [IntentShape.parse(n).name for n in REVIEW_INTENTS] == list(REVIEW_INTENTS)
    for bad in ("focus", "focus0", "three", "focus3-heavy", "focus12"):
        with pytest.raises(ValueError):
            IntentShape.parse(bad)
