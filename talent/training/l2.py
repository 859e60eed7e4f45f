"""Train L2 (GLMix) from the logs, on the same time split as L1.

Rows: every shown candidate of the logged searches (the L1 dataset, :mod:`talent.training.dataset`),
labelled 1 when the member accepted an InMail from that search. Inputs per row
(:func:`l2_inputs`): the L1 features, the served L1 model's score and the leaf each of its trees
puts the row in, and the dynamic features as they were just BEFORE the search (the event history
of :mod:`talent.dynamic.history`, events strictly earlier than the search: nothing from the
future). The training side keeps every accept and a uniform sample of the rest (weighted back,
so P(accept) stays calibrated) when there are more than ``max_rows`` rows.

The artifact (``<models_dir>/l2/<version>/``) records the L1 model version it was trained on;
serving refuses a mismatch.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from index.l1.features import FEATURE_NAMES
from index.l1.model import L1Model
from talent.dynamic.history import EventHistory, epoch_seconds
from talent.dynamic.schema import DYNAMIC_FEATURE_NAMES, transform
from talent.errors import InvalidInput, ModelUnavailable
from talent.glmix.design import CONTEXT_PREFIX, DesignSpec, entity_design
from talent.glmix.fit import (
    GLMixConfig,
    calibrate_margin,
    fit_glmix,
    select_entity_l2,
    select_leaf_l2,
)
from talent.glmix.model import EntityEffects, GLMixModel, MarginOffset, l2_models_dir, make_current
from talent.logging import get_logger
from talent.ranking.candidates import Candidates, ips_per_query, per_query_metrics
from talent.ranking.metrics import auc, expected_calibration_error, log_loss
from talent.ranking.split import time_split

log = get_logger(__name__)

L1_SCORE = "l1_score"
DEFAULT_MAX_ROWS = 100_000
#: Leaves of the first trees only: they hold the L1 model's main interactions, and every tree
#: adds a nonzero per row to every training pass and a tree walk per candidate at serving time.
LEAF_TREES = 50


#: The columns the per-recruiter and per-contract effects act on: the match signals a recruiter's
#: taste weighs differently (skills, occupation, seniority, location, experience, availability,
#: recency, employer). A few dozen accepts per recruiter cannot pin down an effect on every
#: column; on these the held-out sessions keep a penalty that lets them move (see docs/l2.md).
ENTITY_FEATURES: tuple[str, ...] = (
    "skill_coverage", "title_same_occupation", "seniority_gap", "location_match", "years_fit",
    "open_to_work", "days_inactive", "text_title", "text_company", "tenure_years")


@dataclass(frozen=True)
class L2Variant:
    """Which parts of GLMix a model uses (the evaluation ladder's rungs are variants).

    ``margin_offset``: the L1 score enters as a fixed offset (calibrated to P(accept) by a
    one-feature logistic fit) and the global block fits corrections around it, instead of
    weighing the score as one more feature (which re-ordered the lists worse than L1 alone).
    ``context``: each L1 feature's mean over the search's list beside it (and the random
    effects act on the features minus that mean), so that the model's order within a search is
    learned apart from the differences between searches (docs/l2.md). ``position``: the logged
    position is a training-only column (folded out at its mean before serving), so what a row's
    place on the logged page explains (how likely it was examined) is not credited to the
    features that placed it there."""

    leaves: bool = True
    entities: tuple[str, ...] = ("contract", "recruiter")
    dynamic: bool = True
    margin_offset: bool = True
    context: bool = True
    position: bool = True

    @property
    def dense_names(self) -> tuple[str, ...]:
        return (*FEATURE_NAMES, L1_SCORE, *(DYNAMIC_FEATURE_NAMES if self.dynamic else ()),
                *(CONTEXT_NAMES if self.context else ()), *((POSITION,) if self.position else ()))


#: The training-only column of the logged position, log(1 + position): see :class:`L2Variant`.
POSITION = "logged_position"
#: The search-context columns (:func:`talent.glmix.design.context_columns`).
CONTEXT_NAMES: tuple[str, ...] = tuple(CONTEXT_PREFIX + n for n in FEATURE_NAMES)
#: Every dense column :func:`l2_inputs` computes, in order; a variant picks its own by name.
ALL_DENSE_NAMES: tuple[str, ...] = (*FEATURE_NAMES, L1_SCORE, *DYNAMIC_FEATURE_NAMES,
                                    *CONTEXT_NAMES, POSITION)
#: The logged lists are at most this long (the logging policy shows 100): serving takes the
#: search context over as many of the top of its list.
CONTEXT_ROWS = 100


#: The ladder's L2 rungs in order; the last is what ``talent train l2`` serves.
L2_VARIANTS: dict[str, L2Variant] = {
    "l2_global": L2Variant(leaves=False, entities=(), dynamic=False),
    "l2_leaves": L2Variant(leaves=True, entities=(), dynamic=False),
    "l2_contract": L2Variant(leaves=True, entities=("contract",), dynamic=False),
    "l2_glmix": L2Variant(leaves=True, entities=("contract", "recruiter"), dynamic=False),
    "l2_dynamic": L2Variant(leaves=True, entities=("contract", "recruiter"), dynamic=True),
}
SERVED_VARIANT = "l2_dynamic"


@dataclass
class L2Inputs:
    """What L2 sees of each row: raw dense columns (:data:`ALL_DENSE_NAMES`: L1 features, L1
    score, dynamic features, search context), leaves, the search's recruiter and contract, and
    the label."""

    dense: np.ndarray
    leaves: np.ndarray
    recruiter: np.ndarray
    contract: np.ndarray
    labels: np.ndarray
    search_ids: np.ndarray

    def subset(self, rows: np.ndarray) -> L2Inputs:
        return L2Inputs(self.dense[rows], self.leaves[rows], self.recruiter[rows],
                        self.contract[rows], self.labels[rows], self.search_ids[rows])

    def columns(self, variant: L2Variant) -> np.ndarray:
        return self.named(variant.dense_names)

    def named(self, names: tuple[str, ...]) -> np.ndarray:
        """The dense columns ``names``, in that order."""
        return self.dense[:, [ALL_DENSE_NAMES.index(n) for n in names]]


def search_times(cands: Candidates) -> np.ndarray:
    """Epoch seconds of each row's search."""
    created = cands.searches["created_at"].reindex(cands.rows["search_id"].to_numpy())
    return epoch_seconds(created.to_numpy())


def search_context(cands: Candidates) -> pd.DataFrame:
    """Each search's context: the mean of every L1 feature over its whole logged list (indexed
    by search id). Taken before any sampling of rows, so a search's context does not depend on
    which of its rows training kept."""
    if cands.features is None:
        raise InvalidInput("the search context needs the L1 features: build them first")
    frame = pd.DataFrame(np.asarray(cands.features, np.float64), columns=list(CONTEXT_NAMES))
    frame["search_id"] = cands.rows["search_id"].to_numpy(dtype=np.int64)
    return frame.groupby("search_id").mean()


def l2_inputs(cands: Candidates, l1: L1Model, history: EventHistory,
              context: pd.DataFrame | None = None) -> L2Inputs:
    """L2's inputs for the shown candidates ``cands`` (with L1 features), dynamic features as
    they were just before each search; ``context``: :func:`search_context` of the searches'
    whole lists when ``cands`` holds only a sample of their rows (default: of ``cands``)."""
    if cands.features is None:
        raise InvalidInput("L2 inputs need the L1 features: build them with build_dataset")
    X = np.asarray(cands.features, np.float32)
    sid = cands.rows["search_id"].to_numpy(dtype=np.int64)
    context = search_context(cands) if context is None else context
    ctx = context.reindex(sid).to_numpy(dtype=np.float64)
    searches = cands.searches.reindex(sid)
    rec = searches["recruiter_id"].fillna(0).to_numpy(dtype=np.int64)
    con = searches["contract_id"].fillna(0).to_numpy(dtype=np.int64)
    members = cands.rows["member_id"].to_numpy(dtype=np.int64)
    times = search_times(cands)
    dynamic = transform(history.records(rec, con, members, times), times)
    position = np.log1p(cands.rows["position"].to_numpy(dtype=np.float64))
    dense = np.column_stack([X, l1.predict(X), dynamic, ctx, position]).astype(np.float32)
    return L2Inputs(dense, l1.leaves(X, LEAF_TREES), rec, con,
                    cands.rows["accepted"].to_numpy(dtype=np.float64), sid)


def sample_rows(labels: np.ndarray, max_rows: int, seed: int = 0) -> tuple[np.ndarray, float]:
    """Every positive and a uniform sample of negatives so that at most ``max_rows`` remain;
    returns (rows, rate of negatives kept)."""
    n = len(labels)
    pos = labels > 0
    if n <= max_rows:
        return np.arange(n), 1.0
    rate = float(max(1e-3, (max_rows - pos.sum()) / max((~pos).sum(), 1)))
    keep = pos | (np.random.default_rng(seed).random(n) < rate)
    return np.flatnonzero(keep), rate


def fit_variant(train: L2Inputs, variant: L2Variant, config: GLMixConfig | None = None,
                negative_rate: float = 1.0, version: str = "",
                held_out: np.ndarray | None = None) -> GLMixModel:
    """Fit one GLMix variant on ``train``, whose negatives were kept at ``negative_rate``.

    The sample is fitted unweighted and the intercept corrected by log(rate) afterwards (prior
    correction: the odds in the sample are the true odds / rate), so P(accept) stays calibrated
    while the penalties act on the rows actually seen: weighting the kept negatives up instead
    makes a few dozen rows look like thousands and lets every recruiter's effects overfit.

    ``held_out``: rows of the latest training sessions on which the penalty of the leaf columns
    (:func:`~talent.glmix.fit.select_leaf_l2`) and of the entities
    (:func:`~talent.glmix.fit.select_entity_l2`) are chosen before the final fit on every row;
    without it, the config's penalties are used."""
    config = config or GLMixConfig()
    config = GLMixConfig(**{**config.__dict__, "entities": variant.entities})
    names = variant.dense_names
    raw = train.columns(variant)
    leaves = train.leaves if variant.leaves else None
    spec = DesignSpec.fit(names, raw, leaves)
    z = spec.dense(raw)
    offset: MarginOffset | None = None
    fixed: np.ndarray | None = None
    if variant.margin_offset:
        scale, intercept = calibrate_margin(raw[:, names.index(L1_SCORE)], train.labels)
        offset = MarginOffset(L1_SCORE, scale, intercept)
        fixed = scale * np.asarray(raw[:, names.index(L1_SCORE)], np.float64) + intercept
        z = z.copy()
        z[:, names.index(L1_SCORE)] = 0.0  # its weight is the offset's: no global coefficient
    entity_names = tuple(n for n in ENTITY_FEATURES if n in names) if variant.margin_offset else ()
    ze = entity_design(spec, raw, entity_names, variant.context) if entity_names else z
    x = spec.global_matrix(z, leaves)
    ids = {"recruiter": train.recruiter, "contract": train.contract}
    selection: dict[str, Any] = {}
    tuned = held_out is not None and bool(held_out.any()) and bool((~held_out).any())
    column_l2 = None
    if variant.leaves and tuned:
        leaf_mask = np.r_[np.zeros(spec.n_dense, bool), np.ones(spec.n_leaf_columns, bool)]
        best_leaf, leaf_losses = select_leaf_l2(x, train.labels, leaf_mask, held_out, config,
                                                offset=fixed)
        selection["leaf_l2"] = best_leaf
        selection["leaf_held_out_log_loss"] = leaf_losses
        if np.isfinite(best_leaf):
            column_l2 = np.where(leaf_mask, best_leaf, config.global_l2)
        else:  # the leaves do not pay on the latest sessions: the model goes without them
            spec = DesignSpec(spec.dense_names, spec.mean, spec.scale, np.zeros((0, 0), np.int32))
            x = spec.global_matrix(z, None)
    if variant.entities and tuned:
        best, losses = select_entity_l2(x, ze, train.labels, ids, held_out, config,
                                        offset=fixed, column_l2=column_l2)
        selection.update({"entity_l2": best, "held_out_log_loss": losses,
                          "held_out_rows": int(held_out.sum())})
        config = GLMixConfig(**{**config.__dict__, "entity_l2": best,
                                "entities": variant.entities if np.isfinite(best) else ()})
    fit = fit_glmix(x, ze, train.labels, ids, config, offset=fixed, column_l2=column_l2)
    effects = {k: EntityEffects(e.ids, e.coef, e.rows) for k, e in fit.entities.items()}
    meta = {"objective": fit.objective, "fit_seconds": fit.seconds,
            "config": {**config.__dict__, "entities": list(config.entities)},
            "variant": {"leaves": variant.leaves, "entities": list(variant.entities),
                        "dynamic": variant.dynamic, "margin_offset": variant.margin_offset}}
    meta["negative_rate"] = negative_rate
    meta["entity_l2_selection"] = selection
    meta["context_rows"] = CONTEXT_ROWS if variant.context else 0
    coef = fit.coef
    if variant.position:  # fold the training-only column out at its mean: it adds 0 there
        j = spec.dense_names.index(POSITION)
        meta["examination_exponent"] = float(coef[j] / spec.scale[j])
        keep = [i for i in range(spec.n_dense) if i != j]
        spec = DesignSpec(tuple(spec.dense_names[i] for i in keep), spec.mean[keep],
                          spec.scale[keep], spec.leaf_columns)
        coef = np.delete(coef, j)
    return GLMixModel(version, spec, fit.intercept + float(np.log(negative_rate)), coef,
                      effects, meta, entity_names, offset, variant.context and bool(entity_names))


def predict_variant(model: GLMixModel, inputs: L2Inputs) -> np.ndarray:
    """P(accept) of every row of ``inputs`` under ``model``."""
    raw = inputs.named(model.spec.dense_names)
    return model.predict(raw, inputs.leaves if model.spec.uses_leaves else None,
                         inputs.recruiter, inputs.contract)


def ips_precision(cands: Candidates, scores: np.ndarray, exponent: float,
                  ks: tuple[int, ...] = (5, 10, 25)) -> dict[str, float]:
    """Mean IPS-weighted precision@k over the searches
    (:func:`talent.ranking.candidates.ips_per_query`): a re-ranker that undoes the logging
    policy's position bias looks worse in plain replay than it is."""
    if cands.rows.empty:
        return {}
    return {k: float(v) for k, v in ips_per_query(cands, scores, exponent, ks).mean().items()}


def validation_metrics(cands: Candidates, probs: np.ndarray,
                       exponent: float | None = None) -> dict[str, float]:
    """Replay precision@5/10/25 over the searches (and IPS-weighted with ``exponent``), pooled
    log loss, AUC and ECE."""
    per = per_query_metrics(cands, probs, (5, 10, 25))
    y = cands.rows["accepted"].to_numpy()
    out = {f"precision@{k}": float(per[f"precision@{k}"].mean()) for k in (5, 10, 25)}
    if exponent is not None:
        out.update(ips_precision(cands, probs, exponent))
    out.update({"log_loss": log_loss(probs, y), "auc": auc(probs, y),
                "ece": expected_calibration_error(probs, y)})
    return out


@dataclass
class L2Report:
    version: str
    path: Path
    metrics: dict[str, dict[str, float]]
    train_rows: int
    sampled_rows: int
    validation_rows: int
    seconds: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)


#: What L2 must not lose against the L1 order on the validation searches to be made current
#: (the IPS-weighted ones when the model learned the position bias).
ACTIVATION_METRICS = ("precision@10", "precision@25")


def activation_verdict(metrics: dict[str, dict[str, float]]) -> tuple[bool, str]:
    """Whether a trained L2 earns serving: GLMix's precision@10 and @25 on the validation
    searches (IPS-weighted when both sides have them) at least the L1 order's on the same
    candidates (a re-ranker that loses to the list it re-ranks would make every search worse);
    and why, in words."""
    glmix, l1 = metrics.get("glmix", {}), metrics.get("l1", {})
    names = ACTIVATION_METRICS
    if all(f"ips_{m}" in glmix and f"ips_{m}" in l1 for m in names):
        names = tuple(f"ips_{m}" for m in names)
    # NaN or missing counts as worse
    worse = [m for m in names
             if not glmix.get(m, float("nan")) >= l1.get(m, float("inf"))]
    if worse:
        return False, ("L2 ranks the validation searches worse than the L1 order ("
                       + ", ".join(f"{m} {glmix.get(m, float('nan')):.4f} < {l1.get(m, 0):.4f}"
                                   for m in worse) + ")")
    return True, "L2 ranks the validation searches at least as well as the L1 order (" + ", ".join(
        f"{m} {glmix[m]:.4f} >= {l1[m]:.4f}" for m in names) + ")"


def train_l2(engine: Any, cands: Candidates, l1: L1Model, models_dir: Path, *,
             test_fraction: float = 0.2, config: GLMixConfig | None = None,
             max_rows: int = DEFAULT_MAX_ROWS, seed: int = 0, world: str = "",
             index_version: str = "", make_active: bool = True,
             activate_anyway: bool = False) -> L2Report:
    """Fit the served GLMix variant (and the global-only model beside it, for the comparison) on
    the training sessions; validate both on the later sessions; save the served one."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    if cands.rows.empty:
        raise InvalidInput("no logged searches with impressions to train on: run `talent world "
                           "simulate` first")
    if not l1.meta.get("version") and not l1.version:
        raise ModelUnavailable("L2 needs a trained L1 model: run `talent train l1`")
    searches = cands.searches.loc[cands.searches.index.isin(cands.rows["search_id"].unique())]
    split = time_split(searches.reset_index()[["id", "session_id", "created_at"]], test_fraction)
    train, valid = cands.subset(split.train_search_ids), cands.subset(split.test_search_ids)
    if train.rows["accepted"].sum() == 0:
        raise InvalidInput("the training logs hold no accepted InMails to learn from: simulate "
                           "more searches")
    history = EventHistory.from_database(engine)
    seconds["history"] = time.perf_counter() - t0
    rows, rate = sample_rows(train.rows["accepted"].to_numpy(), max_rows, seed)
    sampled = Candidates(train.rows.iloc[rows].reset_index(drop=True), train.searches,
                         train.features[rows] if train.features is not None else None,
                         train.feature_names)
    inner = time_split(train.searches.reset_index()[["id", "session_id", "created_at"]],
                       test_fraction)
    held_out = sampled.rows["search_id"].isin(inner.test_search_ids).to_numpy()
    t1 = time.perf_counter()
    train_in = l2_inputs(sampled, l1, history, search_context(train))
    valid_in = l2_inputs(valid, l1, history)
    seconds["inputs"] = time.perf_counter() - t1
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    t1 = time.perf_counter()
    model = fit_variant(train_in, L2_VARIANTS[SERVED_VARIANT], config, rate, version, held_out)
    seconds["fit"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    global_only = fit_variant(train_in, L2Variant(entities=()), config, rate, held_out=held_out)
    seconds["fit_global_only"] = time.perf_counter() - t1
    exponent = model.meta.get("examination_exponent")
    l1_scores = valid_in.named((L1_SCORE,))[:, 0]
    metrics = {"glmix": validation_metrics(valid, predict_variant(model, valid_in), exponent),
               "global_only": validation_metrics(valid, predict_variant(global_only, valid_in),
                                                 exponent),
               "l1": {k: float(v) for k, v in per_query_metrics(
                   valid, l1_scores, (5, 10, 25)).mean().items() if k.startswith("precision")}}
    if exponent is not None:
        metrics["l1"].update(ips_precision(valid, l1_scores, exponent))
    created = pd.to_datetime(searches["created_at"])
    model.meta.update({
        "kind": "glmix", "l1_version": l1.version, "l1_name": l1.name,
        "index_version": index_version, "world": world,
        "training_window": {"first_search": str(created.min()), "last_search": str(created.max()),
                            "validation_from": str(split.cutoff)},
        "train_rows": len(train.rows), "sampled_rows": len(rows),
        "negative_rate": rate,
        "validation_rows": len(valid.rows), "validation": metrics,
        "train_searches": len(split.train_search_ids),
        "validation_searches": len(split.test_search_ids),
        "entities_fitted": {k: int(len(e.ids)) for k, e in model.entities.items()},
        "leaf_columns": model.spec.n_leaf_columns,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    })
    seconds["total"] = time.perf_counter() - t0
    model.meta["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
    earns, why = activation_verdict(metrics)
    activated = make_active and (earns or activate_anyway)
    model.meta["activation"] = {"earns_serving": earns, "reason": why, "activated": activated}
    path = l2_models_dir(models_dir) / version
    model.save(path)
    if activated:
        make_current(models_dir, version)
    elif make_active:
        log.warning("train.l2.not_activated", version=version, reason=why)
    log.info("train.l2.done", version=version,
             **{f"{k}.p@25": round(m.get("precision@25", float("nan")), 4)
                for k, m in metrics.items()})
    return L2Report(version, path, metrics, len(train.rows), len(rows), len(valid.rows), seconds,
                    model.meta)
