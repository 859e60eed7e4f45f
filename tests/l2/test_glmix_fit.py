"""GLMix by block coordinate descent: monotone objective, planted effects, shrinkage, artifact."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from talent.glmix import DesignSpec, EntityEffects, GLMixConfig, GLMixModel, fit_glmix, load_l2

N_REC = 12


@pytest.fixture(scope="module")
def planted():
    """Rows with 3 dense features and 4 trees' leaves; recruiters 1..6 love feature 0, 7..12
    dislike it; contract 100 has a higher base rate; recruiter 13 has only 3 rows."""
    rng = np.random.default_rng(0)
    n = 8000
    dense = rng.standard_normal((n, 3))
    leaves = rng.integers(0, 3, (n, 4))
    rec = rng.integers(1, N_REC + 1, n)
    rec[:3] = 13
    con = np.where(rec <= 4, 100, 200)
    slope = np.where(rec <= 6, 1.5, -1.5)
    eta = -2 + 0.8 * dense[:, 1] + slope * dense[:, 0] + np.where(con == 100, 0.7, 0.0)
    eta += 0.5 * (leaves[:, 0] == 2)
    y = (rng.random(n) < expit(eta)).astype(float)
    return dense, leaves, rec, con, y


def fit(planted, entities=("contract", "recruiter"), **kw):
    dense, leaves, rec, con, y = planted
    spec = DesignSpec.fit(("a", "b", "c"), dense, leaves)
    z = spec.dense(dense)
    x = spec.global_matrix(z, leaves)
    result = fit_glmix(x, z, y, {"recruiter": rec, "contract": con},
                       GLMixConfig(entities=entities, threads=1, **kw))
    effects = {k: EntityEffects(e.ids, e.coef, e.rows) for k, e in result.entities.items()}
    model = GLMixModel("t", spec, result.intercept, result.coef, effects, {"l1_version": "v1"})
    return result, model


def test_the_objective_never_increases(planted):
    result, _ = fit(planted, outer_iterations=3)
    trace = np.asarray(result.objective)
    assert len(trace) == 1 + 3 * 3
    assert np.all(np.diff(trace) <= 1e-6 * abs(trace[0]))
    assert trace[-1] < trace[0]


def test_each_recruiter_learns_its_planted_slope(planted):
    _, model = fit(planted)

    def slope(recruiter: int) -> float:  # global + its contract's + its own, per sd of "a"
        contract = 100 if recruiter <= 4 else 200
        return float(model.coef[0] + model.entities["contract"].of(contract)[0]
                     + model.entities["recruiter"].of(recruiter)[0])

    assert min(slope(r) for r in range(1, 7)) > 0.7
    assert max(slope(r) for r in range(7, 13)) < -0.7


def test_per_entity_effects_beat_the_global_model_on_log_loss(planted):
    dense, leaves, rec, con, y = planted
    _, glmix = fit(planted)
    _, global_only = fit(planted, entities=())

    def loss(p: np.ndarray) -> float:
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    assert loss(glmix.predict(dense, leaves, rec, con)) < 0.97 * loss(
        global_only.predict(dense, leaves, rec, con))


def test_an_entity_without_data_gets_the_global_model(planted):
    dense, leaves, _, _, _ = planted
    _, model = fit(planted)
    unknown = np.full(len(dense), 999)
    assert np.allclose(model.predict(dense, leaves, unknown, unknown),
                       model.predict(dense, leaves, None, None))


def test_an_entity_with_little_data_is_shrunk_towards_the_global_model(planted):
    _, model = fit(planted)
    effects = model.entities["recruiter"]
    tiny = np.abs(effects.coef[effects.index(np.array([13]))[0]]).max()
    typical = np.abs(effects.coef[effects.index(np.array([1]))[0]]).max()
    assert tiny < 0.1 * typical


def test_a_saved_model_scores_the_same_after_loading(planted, tmp_path):
    dense, leaves, rec, con, _ = planted
    _, model = fit(planted)
    model.save(tmp_path / "m")
    loaded = load_l2(tmp_path / "m")
    assert loaded.l1_version == "v1"
    assert np.allclose(loaded.predict(dense, leaves, rec, con), model.predict(dense, leaves, rec,
                                                                              con))


def test_leaves_never_seen_in_training_add_nothing(planted):
    dense, leaves, _, _, _ = planted
    _, model = fit(planted, entities=())
    unseen = np.full_like(leaves, 7)
    x = model.spec.leaf_matrix(unseen)
    assert x.nnz == 0
    assert model.predict(dense[:5], unseen[:5]).shape == (5,)


def test_the_entity_penalty_is_chosen_on_the_latest_rows(planted):
    from talent.glmix.fit import select_entity_l2

    dense, leaves, rec, con, y = planted
    spec = DesignSpec.fit(("a", "b", "c"), dense, leaves)
    z = spec.dense(dense)
    held_out = np.arange(len(y)) >= int(0.8 * len(y))
    best, losses = select_entity_l2(spec.global_matrix(z, leaves), z, y,
                                    {"recruiter": rec, "contract": con}, held_out,
                                    GLMixConfig(threads=1))
    assert np.isfinite(best)  # planted per-recruiter slopes: effects beat the global model
    assert losses[str(best)] < losses["inf"]


def test_without_entity_signal_the_global_model_is_kept(planted):
    from talent.glmix.fit import select_entity_l2

    dense, leaves, rec, con, _ = planted
    rng = np.random.default_rng(3)
    y = (rng.random(len(dense)) < expit(-1.5 + 0.8 * dense[:, 1])).astype(float)
    spec = DesignSpec.fit(("a", "b", "c"), dense, leaves)
    z = spec.dense(dense)
    held_out = np.arange(len(y)) >= int(0.8 * len(y))
    best, losses = select_entity_l2(spec.global_matrix(z, leaves), z, y,
                                    {"recruiter": rec, "contract": con}, held_out,
                                    GLMixConfig(threads=1))
    assert best >= 1000.0


def test_an_l2_that_loses_to_the_l1_order_is_not_activated():
    from talent.training.l2 import activation_verdict

    l1 = {"precision@10": 0.030, "precision@25": 0.018}
    worse = {"glmix": {"precision@10": 0.031, "precision@25": 0.017}, "l1": l1}
    earns, why = activation_verdict(worse)
    assert not earns and "precision@25 0.0170 < 0.0180" in why and "precision@10" not in why
    better = {"glmix": {"precision@10": 0.030, "precision@25": 0.019}, "l1": l1}
    assert activation_verdict(better)[0]
    assert not activation_verdict({"glmix": {"precision@10": float("nan"),
                                             "precision@25": 0.02}, "l1": l1})[0]


# -- the L1 margin as a fixed offset -----------------------------------------------------------
def test_an_offset_is_kept_fixed_and_the_blocks_fit_around_it(planted):
    dense, _, rec, con, _ = planted
    rng = np.random.default_rng(5)
    margin = 1.2 * dense[:, 2] - 2.0
    y = (rng.random(len(dense)) < expit(margin + 0.8 * dense[:, 1])).astype(float)
    spec = DesignSpec.fit(("a", "b", "c"), dense, None)
    z = spec.dense(dense)
    x = spec.global_matrix(z, None)
    with_offset = fit_glmix(x, z, y, {}, GLMixConfig(entities=(), threads=1), offset=margin)
    # what the offset carries is not learned again; the correction is
    assert abs(with_offset.coef[2]) < 0.15
    assert with_offset.coef[1] == pytest.approx(0.8 * dense[:, 1].std(), abs=0.15)
    assert abs(with_offset.intercept) < 0.2


def test_the_margin_calibration_recovers_a_planted_scale():
    from talent.glmix.fit import calibrate_margin

    rng = np.random.default_rng(6)
    margin = rng.standard_normal(20000) * 2
    y = (rng.random(len(margin)) < expit(0.6 * margin - 2.5)).astype(float)
    scale, intercept = calibrate_margin(margin, y)
    assert scale == pytest.approx(0.6, abs=0.06) and intercept == pytest.approx(-2.5, abs=0.1)


def test_the_leaf_penalty_keeps_leaves_that_pay_and_drops_leaves_that_do_not(planted):
    from talent.glmix.fit import select_leaf_l2

    dense, leaves, _, _, y = planted
    spec = DesignSpec.fit(("a", "b", "c"), dense, leaves)
    x = spec.global_matrix(spec.dense(dense), leaves)
    mask = np.r_[np.zeros(spec.n_dense, bool), np.ones(spec.n_leaf_columns, bool)]
    held_out = np.arange(len(y)) >= int(0.8 * len(y))
    best, losses = select_leaf_l2(x, y, mask, held_out, GLMixConfig(threads=1))
    assert np.isfinite(best) and losses[str(best)] < losses["inf"]  # leaf (0, 2) was planted
    noise = np.random.default_rng(9).integers(0, 16, (len(y), 60))  # 960 columns of noise
    spec = DesignSpec.fit(("a", "b", "c"), dense, noise)
    x = spec.global_matrix(spec.dense(dense), noise)
    mask = np.r_[np.zeros(spec.n_dense, bool), np.ones(spec.n_leaf_columns, bool)]
    best, losses = select_leaf_l2(x, y, mask, held_out, GLMixConfig(threads=1))
    assert best >= 1000.0


def test_a_model_around_the_l1_margin_scores_and_saves_what_it_fitted(tmp_path):
    from index.l1.features import FEATURE_NAMES
    from talent.dynamic.schema import DYNAMIC_FEATURE_NAMES
    from talent.training.l2 import ENTITY_FEATURES, L1_SCORE, L2Inputs, L2Variant, fit_variant

    rng = np.random.default_rng(11)
    n, f = 12000, len(FEATURE_NAMES)
    features = rng.random((n, f)).astype(np.float32)
    l1_score = rng.standard_normal(n) * 1.5
    rec = rng.integers(1, 9, n)
    loc = FEATURE_NAMES.index("location_match")
    local_lover = np.where(rec <= 4, 2.0, 0.0)
    y = (rng.random(n) < expit(0.7 * l1_score - 3 + local_lover * (features[:, loc] - 0.5))
         ).astype(float)
    sid = np.arange(n) // 25
    context = np.repeat(features.reshape(-1, 25, f).mean(axis=1), 25, axis=0)
    position = np.log1p(np.tile(np.arange(25), n // 25))
    dense = np.column_stack([features, l1_score, np.zeros((n, len(DYNAMIC_FEATURE_NAMES))),
                             context, position]).astype(np.float32)
    inputs = L2Inputs(dense, np.zeros((n, 0), np.int32), rec, np.where(rec <= 2, 1, 2), y, sid)
    variant = L2Variant(leaves=False, dynamic=False)
    raw = inputs.columns(variant)
    held_out = np.arange(n) >= int(0.8 * n)
    model = fit_variant(inputs, variant, GLMixConfig(threads=1), held_out=held_out)
    assert model.offset is not None and model.offset.column == L1_SCORE
    assert model.offset.scale == pytest.approx(0.7, abs=0.15)
    assert model.coef[variant.dense_names.index(L1_SCORE)] == 0.0
    assert model.entity_names == tuple(n for n in ENTITY_FEATURES if n in FEATURE_NAMES)
    lovers = [model.entity_coefficients("recruiter", r)["coefficients"]["location_match"]
              for r in range(1, 5)]
    others = [model.entity_coefficients("recruiter", r)["coefficients"]["location_match"]
              for r in range(5, 9)]
    assert min(lovers) > max(others)
    assert model.entity_centered
    raw = inputs.named(model.spec.dense_names)  # what serving has: no logged position
    p = model.predict(raw, None, rec, inputs.contract)
    assert p.mean() == pytest.approx(y.mean(), rel=0.1)  # calibrated
    model.save(tmp_path / "m")
    loaded = load_l2(tmp_path / "m")
    assert loaded.offset == model.offset and loaded.entity_names == model.entity_names
    assert loaded.entity_centered
    assert np.allclose(loaded.predict(raw, None, rec, inputs.contract), p)


def test_the_search_context_keeps_between_search_levels_out_of_the_order():
    """A feature whose level says which searches get accepts (between) but whose variation
    within a search lowers the chance: alone its coefficient takes the between sign and orders
    each list backwards; beside its search mean it orders them right."""
    from talent.glmix.design import context_columns

    rng = np.random.default_rng(12)
    searches, per = 600, 40
    level = np.repeat(rng.standard_normal(searches) * 1.5, per)
    within = rng.standard_normal(searches * per)
    a = level + within
    y = (rng.random(len(a)) < expit(-3.0 + 1.5 * level - 0.8 * within)).astype(float)
    ctx = np.concatenate([context_columns(a[i * per:(i + 1) * per, None], per)
                          for i in range(searches)])

    def within_coefficient(dense: np.ndarray) -> float:
        spec = DesignSpec.fit(tuple(f"c{i}" for i in range(dense.shape[1])), dense, None)
        fit_ = fit_glmix(spec.global_matrix(spec.dense(dense), None), np.zeros((len(y), 0)), y,
                         {}, GLMixConfig(entities=(), threads=1))
        return float(fit_.coef[0] / spec.scale[0])

    assert within_coefficient(a[:, None]) > 0  # the between-search level wins: backwards
    assert within_coefficient(np.column_stack([a, ctx])) == pytest.approx(-0.8, abs=0.2)


def test_the_logged_position_is_learned_in_training_and_folded_out_for_serving():
    """Accepts planted with a position bias (examined ~ 1 / (1 + position)) on lists the logging
    policy ordered by a feature that does nothing for acceptance: with the position column the
    feature gets no credit and the bias is learned; the served model has no position column."""
    from index.l1.features import FEATURE_NAMES
    from talent.dynamic.schema import DYNAMIC_FEATURE_NAMES
    from talent.training.l2 import POSITION, L2Inputs, L2Variant, fit_variant

    rng = np.random.default_rng(21)
    searches, per, f = 800, 25, len(FEATURE_NAMES)
    n = searches * per
    features = rng.random((n, f)).astype(np.float32)
    text = FEATURE_NAMES.index("text_title")
    # the logging policy puts the highest text_title first, with some randomization
    noisy = features[:, text] + rng.normal(0, 0.3, n)
    order = np.argsort(-noisy.reshape(searches, per), axis=1)
    position = np.empty((searches, per))
    np.put_along_axis(position, order, np.arange(per)[None, :].repeat(searches, 0), axis=1)
    position = position.ravel()
    score = rng.standard_normal(n)
    y = (rng.random(n) < expit(score - 1.0) / (1.0 + position)).astype(float)
    context = np.repeat(features.reshape(searches, per, f).mean(axis=1), per, axis=0)
    dense = np.column_stack([features, score, np.zeros((n, len(DYNAMIC_FEATURE_NAMES))), context,
                             np.log1p(position)]).astype(np.float32)
    inputs = L2Inputs(dense, np.zeros((n, 0), np.int32), np.ones(n, np.int64),
                      np.ones(n, np.int64), y, np.arange(n) // per)

    def text_coefficient(position_column: bool) -> tuple[float, GLMixModel]:
        variant = L2Variant(leaves=False, entities=(), dynamic=False, position=position_column)
        model = fit_variant(inputs, variant, GLMixConfig(threads=1))
        return float(model.coef[model.spec.dense_names.index("text_title")]), model

    biased, _ = text_coefficient(False)
    debiased, model = text_coefficient(True)
    assert biased > 0.3  # took the position's credit
    assert abs(debiased) < 0.15
    assert POSITION not in model.spec.dense_names
    assert model.meta["examination_exponent"] == pytest.approx(-1.0, abs=0.35)


def test_ips_precision_undoes_the_logging_policys_position_bias():
    import pandas as pd

    from talent.ranking.candidates import Candidates
    from talent.training.l2 import activation_verdict, ips_precision

    # two searches; the accept sits at position 3 in both: IPS counts it (1 + 3) times
    rows = pd.DataFrame({"search_id": [1] * 4 + [2] * 4, "member_id": range(8),
                         "position": [0, 1, 2, 3] * 2, "accepted": [0, 0, 0, 1] * 2})
    cands = Candidates(rows, pd.DataFrame(index=[1, 2]))
    first = np.array([0, 0, 0, 1.0] * 2)
    assert ips_precision(cands, first, -1.0, (1,))["ips_precision@1"] == pytest.approx(4.0)
    assert ips_precision(cands, -first, -1.0, (1,))["ips_precision@1"] == 0.0
    l1 = {"precision@10": 0.03, "precision@25": 0.02, "ips_precision@10": 0.5,
          "ips_precision@25": 0.4}
    glmix = {"precision@10": 0.02, "precision@25": 0.01, "ips_precision@10": 0.6,
             "ips_precision@25": 0.45}
    earns, why = activation_verdict({"glmix": glmix, "l1": l1})
    assert earns and "ips_precision@10 0.6000 >= 0.5000" in why
