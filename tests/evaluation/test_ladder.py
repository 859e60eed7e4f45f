"""The model ladder on a synthetic log with a known outcome model."""

from __future__ import annotations

import numpy as np
import pytest

from talent.errors import ModelUnavailable
from talent.evaluation import ladder
from talent.evaluation.ladder import make_rung, register_rung, run_ladder, summarize_ladder
from talent.ranking.candidates import Candidates


@pytest.fixture(scope="module")
def summary(synthetic: Candidates):
    train = synthetic.subset(np.arange(1, 201))
    test = synthetic.subset(np.arange(201, 301))
    result = run_ladder(train, test, ladder=("text_match", "linear", "pairwise_gbdt"))
    seg = {"query_type": test.searches["query_type"]}
    return result, summarize_ladder(result, resamples=300, segments=seg)


def test_every_rung_is_scored_on_the_identical_searches(summary):
    result, _ = summary
    first = result.rungs[0].per_query.index
    assert all(r.per_query.index.equals(first) for r in result.rungs)


def test_a_random_model_lands_far_below_the_hindsight_ceiling(summary):
    _, s = summary
    rnd = s["rungs"]["random"]["metrics"]["ndcg@10"]
    top = s["rungs"]["hindsight"]["metrics"]["ndcg@10"]
    assert rnd["high"] < top["low"]
    assert top["value"] == pytest.approx(1.0)


def test_a_model_that_sees_the_skill_signal_lifts_over_text_match(summary):
    _, s = summary
    lift = s["rungs"]["linear"]["lift"]["precision@10"]
    assert s["rungs"]["linear"]["lift_over"] == "text_match"
    assert lift["low"] > 0.0


def test_probability_rungs_get_auc_log_loss_and_calibration(summary):
    _, s = summary
    prob = s["rungs"]["linear"]["probability"]
    assert 0.6 < prob["auc"]["value"] <= 1.0
    assert prob["auc"]["low"] <= prob["auc"]["value"] <= prob["auc"]["high"]
    assert "probability" not in s["rungs"]["pairwise_gbdt"]
    assert sum(s["rungs"]["linear"]["calibration"]["count"]) == s["candidates"]


def test_segments_break_metrics_down_per_query_type(summary):
    _, s = summary
    assert set(s["segments"]["query_type"]) == {"title", "title_skills", "boolean_or", "free_text"}
    n = sum(v["random"]["precision@10"]["n"] for v in s["segments"]["query_type"].values())
    assert n == s["queries"]


def test_new_rungs_plug_in_by_name(synthetic: Candidates):
    class Noise:
        name = "noise_feature"
        probabilistic = False

        def fit(self, train: Candidates) -> None:
            pass

        def score(self, test: Candidates) -> np.ndarray:
            return test.features[:, 2]

    register_rung("noise_feature", Noise)
    try:
        result = run_ladder(synthetic, synthetic.subset([1, 2]), ladder=("noise_feature",),
                            reference=())
        assert [r.name for r in result.rungs] == ["noise_feature"]
    finally:
        ladder._REGISTRY.pop("noise_feature")


def test_unknown_rung_says_which_exist():
    with pytest.raises(ModelUnavailable, match="pairwise_gbdt"):
        make_rung("nope")
