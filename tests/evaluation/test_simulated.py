"""Simulated outcome: the harness tells a broken model from one given the hidden truth."""

from __future__ import annotations

import numpy as np
import pytest

from talent.evaluation.simulated import expected_accepts_at_k, oracle_ranking, score_rankings


def test_expected_accepts_sums_the_top_k_and_tolerates_short_lists():
    assert expected_accepts_at_k(np.array([0.5, 0.25, 0.125]), 2) == 0.75
    assert expected_accepts_at_k(np.array([0.5]), 10) == 0.5
    assert expected_accepts_at_k(np.zeros(0), 5) == 0.0


def test_oracle_ranking_takes_the_best_k_best_first():
    assert oracle_ranking(np.array([0.1, 0.9, 0.5, 0.7]), np.array([11, 12, 13, 14]),
                          3).tolist() == [12, 14, 13]
    assert oracle_ranking(np.array([0.1, 0.9]), np.array([11, 12]), 5).tolist() == [12, 11]


@pytest.fixture(scope="module")
def world():
    """80 queries over a 2,000-member pool; hidden P(accept) skewed so that ranking matters."""
    rng = np.random.default_rng(5)
    members = np.arange(1, 2001)
    hidden = rng.beta(0.5, 8.0, (80, members.size))
    # a policy blind to the truth
    logged = [rng.choice(members, 25, replace=False) for _ in range(80)]
    return members, hidden, logged


def _score(world, extra: dict) -> dict:
    members, hidden, logged = world
    rng = np.random.default_rng(1)
    rankings = {"oracle": [oracle_ranking(hidden[q], members, 25) for q in range(80)],
                "logging_policy": logged,
                "random": [rng.permutation(members)[:25] for _ in range(80)], **extra}
    return score_rankings(rankings, lambda q, m: hidden[q][m - 1], ks=(5, 25), resamples=300)


def test_a_random_model_lands_at_the_floor_and_a_model_given_the_truth_at_the_ceiling(world):
    members, hidden, _ = world
    # a "model" scoring with the truth
    told = [members[np.argsort(-hidden[q])][:25] for q in range(80)]
    out = _score(world, {"given_truth": told})["rankers"]
    metric = "expected_accepts@25"
    random, floor = (out["random"]["lift_over_floor"][metric],
                     out["given_truth"]["share_of_oracle"][metric])
    assert random["low"] < 0.0 < random["high"]  # indistinguishable from the (truth-blind) floor
    assert floor["value"] == pytest.approx(1.0)  # exactly the ceiling
    ceiling = out["oracle"]["metrics"][metric]
    assert out["random"]["metrics"][metric]["high"] < ceiling["low"]  # and the two are told apart


def test_share_of_oracle_is_reported_for_every_non_oracle_ranking(world):
    out = _score(world, {})["rankers"]
    assert "share_of_oracle" not in out["oracle"]
    share = out["random"]["share_of_oracle"]["expected_accepts@5"]
    assert 0.0 < share["low"] <= share["value"] <= share["high"] < 1.0


def test_rankings_over_different_queries_are_refused(world):
    with pytest.raises(ValueError, match="same queries"):
        score_rankings({"a": [np.array([1])], "b": []}, lambda q, m: np.ones(len(m)))


def test_examined_accepts_weight_each_position_by_its_examination_probability():
    values = {1: 0.4, 2: 0.2, 3: 0.1}
    out = score_rankings({"a": [np.array([1, 2, 3])], "b": [np.array([3, 2, 1])]}, lambda q,
                         m: np.array([values[int(i)] for i in m]), ks=(2, 3), resamples=50,
                         examination=np.array([1.0, 0.5, 0.25]))
    a, b = out["rankers"]["a"]["metrics"], out["rankers"]["b"]["metrics"]
    assert a["examined_accepts@2"]["value"] == pytest.approx(0.4 + 0.1)
    assert a["examined_accepts@3"]["value"] == pytest.approx(0.4 + 0.1 + 0.025)
    assert b["examined_accepts@3"]["value"] == pytest.approx(0.1 + 0.1 + 0.1)
    # order-blind
    assert a["expected_accepts@3"]["value"] == pytest.approx(b["expected_accepts@3"]["value"])


def test_engine_variants_add_one_stage_per_rung():
    from types import SimpleNamespace

    from talent.evaluation.simulated import engine_variants

    stages = [SimpleNamespace(name="broker", required=True),
              SimpleNamespace(name="l2", required=False),
              SimpleNamespace(name="rerank", required=False)]
    service = SimpleNamespace(pipeline=SimpleNamespace(stages=stages),
                              broker=SimpleNamespace(scorer=object()))
    variants, below = engine_variants(service)
    assert variants == {
        "engine_text_match": {"l1": False, "l2": False, "rerank": False},
        "engine_l1": {"l2": False, "rerank": False},
        "engine_+l2": {"l2": True, "rerank": False},
        "engine_+rerank": {"l2": True, "rerank": True},
    }
    assert below == {"engine_l1": "engine_text_match", "engine_+l2": "engine_l1",
                     "engine_+rerank": "engine_+l2"}
    service.broker.scorer = None  # no L1 model: the stages build on text match
    variants, below = engine_variants(service)
    assert "engine_l1" not in variants and below["engine_+l2"] == "engine_text_match"
    assert variants["engine_+l2"] == {"l1": False, "l2": True, "rerank": False}


def test_a_stage_with_nothing_to_serve_has_no_rung_and_stays_off():
    from types import SimpleNamespace

    from talent.evaluation.simulated import engine_variants

    stages = [SimpleNamespace(name="broker", required=True),
              SimpleNamespace(name="l2", required=False, refusal="no L2 model"),
              SimpleNamespace(name="rerank", required=False, refusal=None)]
    service = SimpleNamespace(pipeline=SimpleNamespace(stages=stages),
                              broker=SimpleNamespace(scorer=object()))
    variants, below = engine_variants(service)
    assert "engine_+l2" not in variants and below["engine_+rerank"] == "engine_l1"
    assert all(v["l2"] is False for v in variants.values())


def test_a_stage_that_acts_only_within_a_session_has_no_rung_and_stays_off():
    from types import SimpleNamespace

    from talent.evaluation.simulated import engine_variants

    stages = [SimpleNamespace(name="broker", required=True),
              SimpleNamespace(name="l2", required=False),
              SimpleNamespace(name="bandit", required=False, session_only=True)]
    service = SimpleNamespace(pipeline=SimpleNamespace(stages=stages),
                              broker=SimpleNamespace(scorer=object()))
    variants, _ = engine_variants(service)
    assert "engine_+bandit" not in variants
    assert all(v["bandit"] is False for v in variants.values())


def test_a_rung_carries_its_paired_lift_over_the_rung_below():
    from talent.evaluation.simulated import score_rankings

    a = [np.array([1, 2]), np.array([3, 4])]
    b = [np.array([2, 1]), np.array([4, 3])]
    values = {1: 1.0, 2: 0.0, 3: 1.0, 4: 0.0}
    out = score_rankings({"a": a, "b": b}, lambda q, m: np.array([values[int(i)] for i in m]),
                         ks=(1,), resamples=50, below={"b": "a"})
    lift = out["rankers"]["b"]["lift_over_below"]
    assert lift["below"] == "a" and lift["expected_accepts@1"]["value"] == -1.0
    assert "lift_over_below" not in out["rankers"]["a"]


def test_title_expansion_is_the_rung_right_after_l1_when_embeddings_are_served():
    from types import SimpleNamespace

    from talent.evaluation.simulated import engine_variants

    stages = [SimpleNamespace(name="broker", required=True),
              SimpleNamespace(name="l2", required=False)]
    service = SimpleNamespace(pipeline=SimpleNamespace(stages=stages),
                              broker=SimpleNamespace(scorer=object(), expander=object()))
    variants, below = engine_variants(service)
    assert variants == {
        "engine_text_match": {"l1": False, "l2": False, "expansion": False},
        "engine_l1": {"l2": False, "expansion": False},
        "engine_+expansion": {"l2": False, "expansion": True},
        "engine_+l2": {"l2": True, "expansion": True},
    }
    assert below["engine_+expansion"] == "engine_l1" and below["engine_+l2"] == "engine_+expansion"
