"""The model ladder: a registry of rung name -> rung, all trained on the same training
searches and scored on the same held-out candidate sets.

Default ladder: ``text_match`` -> ``linear`` -> ``pointwise_gbdt`` -> ``pairwise_gbdt``.
Reference rungs: ``random`` (a broken model: the floor), ``logging_policy`` (the logged
order) and ``hindsight`` (ranks by the logged outcome itself: the replay ceiling).
The L2 rungs (``l2_global`` .. ``l2_dynamic``, GLMix over the served L1 model) come from
:mod:`talent.evaluation.l2_rungs` as per-run overrides. Later rungs (title expansion,
re-ranking, bandit) plug in with :func:`register_rung`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.errors import ModelUnavailable
from talent.evaluation.bootstrap import (
    DEFAULT_RESAMPLES,
    bootstrap_mean,
    bootstrap_pooled,
    paired_lift,
)
from talent.evaluation.replay import precision_curve
from talent.ranking.candidates import Candidates, per_query_metrics
from talent.ranking.metrics import CUTOFFS, calibration_curve

DEFAULT_LADDER: tuple[str, ...] = ("text_match", "linear", "pointwise_gbdt", "pairwise_gbdt",
                                   "l2_global", "l2_leaves", "l2_contract", "l2_glmix",
                                   "l2_dynamic")
#: Rungs that need the served L1 model (:mod:`talent.evaluation.l2_rungs`): left out without one.
L2_RUNGS: tuple[str, ...] = ("l2_global", "l2_leaves", "l2_contract", "l2_glmix", "l2_dynamic")
REFERENCE_RUNGS: tuple[str, ...] = ("random", "logging_policy", "hindsight")
CURVE_K = 25
SEGMENT_METRICS: tuple[str, ...] = ("precision@10", "ndcg@10", "mrr")
#: (rung, baseline) pairs whose paired lift the report states up front, when both ran.
HEADLINE_COMPARISONS: tuple[tuple[str, str], ...] = (("pairwise_gbdt", "linear"),
                                                     ("pairwise_gbdt", "text_match"),
                                                     ("linear", "text_match"),
                                                     ("pairwise_gbdt", "pointwise_gbdt"),
                                                     ("l2_glmix", "l2_global"),
                                                     ("l2_dynamic", "l2_global"),
                                                     ("l2_dynamic", "pairwise_gbdt"))
COMPARISON_METRICS: tuple[str, ...] = ("precision@5", "precision@10", "precision@25", "ndcg@10")
TEXT_MATCH_PATTERN = re.compile(r"(bm25|text)", re.IGNORECASE)


class Rung(Protocol):
    """A rung: fit on training candidates, score held-out ones (higher ranks first)."""

    name: str
    probabilistic: bool  # scores are P(accept) (gets AUC, log loss, ECE)

    def fit(self, train: Candidates) -> None: ...

    def score(self, test: Candidates) -> np.ndarray: ...


_REGISTRY: dict[str, Callable[[], Rung]] = {}


def register_rung(name: str, factory: Callable[[], Rung]) -> None:
    """Add (or replace) a rung: ``factory()`` returns a fresh, unfitted scorer."""
    _REGISTRY[name] = factory


def make_rung(name: str, overrides: dict[str, Callable[[], Rung]] | None = None) -> Rung:
    """A fresh scorer for rung ``name`` (``overrides`` first, then the registry)."""
    try:
        return {**_REGISTRY, **(overrides or {})}[name]()
    except KeyError:
        raise ModelUnavailable(f"unknown ladder rung {name!r}; known: "
                               f"{', '.join(_REGISTRY)}") from None


def _features(c: Candidates) -> np.ndarray:
    if c.features is None:
        raise ModelUnavailable("this rung needs L1 features: build them with talent.training.l1 "
                               "first")
    return np.asarray(c.features, dtype=np.float64)


@dataclass
class RandomScorer:
    """Uniform random scores: a deliberately broken model."""

    seed: int = 0
    name: str = "random"
    probabilistic: bool = False

    def fit(self, train: Candidates) -> None:
        return None

    def score(self, test: Candidates) -> np.ndarray:
        return np.random.default_rng(self.seed).random(len(test.rows))


@dataclass
class LoggingPolicyScorer:
    """The order the logging policy actually showed."""

    name: str = "logging_policy"
    probabilistic: bool = False

    def fit(self, train: Candidates) -> None:
        return None

    def score(self, test: Candidates) -> np.ndarray:
        return -test.rows["position"].to_numpy(dtype=np.float64)


@dataclass
class HindsightScorer:
    """Ranks by the logged outcome itself (a perfect ranker on the logged labels)."""

    name: str = "hindsight"
    probabilistic: bool = False

    def fit(self, train: Candidates) -> None:
        return None

    def score(self, test: Candidates) -> np.ndarray:
        return test.rows["grade"].to_numpy(dtype=np.float64)


@dataclass
class TextMatchScorer:
    """Text match only: the serving text-match score
    (:func:`index.l1.features.text_match_score`) on the L1 features, else the sum of the
    features whose names contain bm25/text."""

    name: str = "text_match"
    probabilistic: bool = False

    def fit(self, train: Candidates) -> None:
        return None

    def score(self, test: Candidates) -> np.ndarray:
        try:  # the serving text-match score when the features are the serving L1 features
            from index.l1.features import FEATURE_NAMES, text_match_score

            if tuple(test.feature_names) == tuple(FEATURE_NAMES):
                return np.asarray(text_match_score(np.asarray(test.features, dtype=np.float32)),
                                  dtype=np.float64)
        except ImportError:
            pass
        cols = [i for i, n in enumerate(test.feature_names) if TEXT_MATCH_PATTERN.search(n)]
        if not cols:
            raise ModelUnavailable(f"no text-match feature among {list(test.feature_names)}")
        return _features(test)[:, cols].sum(axis=1)


class LinearScorer:
    """Logistic regression of P(accept) on standardized L1 features."""

    name = "linear"
    probabilistic = True

    def __init__(self) -> None:
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
        from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
        from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500))

    def fit(self, train: Candidates) -> None:
        self.model.fit(_features(train), train.rows["accepted"].to_numpy())

    def score(self, test: Candidates) -> np.ndarray:
        return np.asarray(self.model.predict_proba(_features(test)))[:, 1]


class PointwiseGBDTScorer:
    """LightGBM binary classifier of P(accept) on the L1 features, with L1's tree capacity."""

    name = "pointwise_gbdt"
    probabilistic = True

    def __init__(self, seed: int = 0) -> None:
        import lightgbm as lgb

        from talent.training.l1 import LIGHTGBM_PARAMS

        self.model = lgb.LGBMClassifier(random_state=seed, verbose=-1, n_jobs=2, **LIGHTGBM_PARAMS)

    def fit(self, train: Candidates) -> None:
        self.model.fit(_features(train), train.rows["accepted"].to_numpy())

    def score(self, test: Candidates) -> np.ndarray:
        return np.asarray(self.model.predict_proba(_features(test)))[:, 1]


class PairwiseGBDTScorer:
    """The L1 ranker: trained by :mod:`talent.training.l1` (pairs only within a search).

    ``kind`` is the library (``xgboost`` or ``lightgbm``); ``prefit`` an L1 model already trained
    on exactly this training split (the served one, when its split matches), used as it is.
    """

    name = "pairwise_gbdt"
    probabilistic = False

    def __init__(self, seed: int = 0, kind: str = "xgboost", prefit: Any = None) -> None:
        self.seed, self.kind, self.model = seed, kind, prefit
        self.prefit = prefit is not None

    def fit(self, train: Candidates) -> None:
        if self.prefit:
            return
        from talent.training.l1 import RANKER_TRAINERS

        self.model = RANKER_TRAINERS[self.kind](train, self.seed)

    def score(self, test: Candidates) -> np.ndarray:
        from talent.training.l1 import predict

        X = np.asarray(_features(test), dtype=np.float32)
        if self.prefit:  # an index.l1.model.L1Model
            return np.asarray(self.model.predict(X), dtype=np.float64)
        return np.asarray(predict(self.kind, self.model, X), dtype=np.float64)


for _factory in (RandomScorer, LoggingPolicyScorer, HindsightScorer, TextMatchScorer, LinearScorer,
                 PointwiseGBDTScorer, PairwiseGBDTScorer):
    register_rung(str(_factory.name), _factory)


# --- running the ladder ---------------------------------------------------------------------
@dataclass
class RungResult:
    """One rung's per-query metrics on the held-out searches (and P(accept) when it has one)."""

    name: str
    per_query: pd.DataFrame
    probabilities: np.ndarray | None = None
    seconds: float = 0.0
    curve: dict[int, float] = field(default_factory=dict)  # mean precision@k for k = 1..CURVE_K
    scores: np.ndarray | None = None  # every held-out row's score (the IPS replay reads them)


@dataclass
class LadderResult:
    """Every rung evaluated on the identical held-out candidate sets, in ladder order."""

    rungs: list[RungResult]
    test: Candidates
    ladder: tuple[str, ...]


def run_ladder(train: Candidates, test: Candidates, ladder: Sequence[str] = DEFAULT_LADDER,
               reference: Sequence[str] = REFERENCE_RUNGS, ks: Sequence[int] = CUTOFFS,
               on_rung: Callable[[str], None] | None = None,
               overrides: dict[str, Callable[[], Rung]] | None = None) -> LadderResult:
    """Fit each rung on ``train`` and compute its per-query replay metrics on ``test``.

    ``overrides``: rung factories for this run only (e.g. the served model as a rung)."""
    results = []
    for name in [*reference, *ladder]:
        t0 = time.perf_counter()
        scorer = make_rung(name, overrides)
        scorer.fit(train)
        scores = np.asarray(scorer.score(test), dtype=np.float64)
        per_query = per_query_metrics(test, scores, ks)
        results.append(RungResult(name, per_query, scores if scorer.probabilistic else None,
                                  time.perf_counter() - t0, precision_curve(test, scores, CURVE_K),
                                  scores))
        if on_rung is not None:
            on_rung(name)
    return LadderResult(results, test, tuple(ladder))


def summarize_ladder(result: LadderResult, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                     segments: dict[str, pd.Series] | None = None) -> dict[str, Any]:
    """Metrics with bootstrap CIs per rung, paired lifts over the rung below, segment breakdowns.

    ``segments``: segment name -> Series (indexed by search id) of the segment value of each search.
    """
    labels = result.test.rows["accepted"].to_numpy()
    groups = result.test.rows["search_id"].to_numpy()
    out: dict[str, Any] = {"queries": len(result.rungs[0].per_query) if result.rungs else 0,
                           "candidates": len(labels), "ladder": list(result.ladder), "rungs": {}}
    below: RungResult | None = None
    for r in result.rungs:
        entry: dict[str, Any] = {"metrics": {m: bootstrap_mean(r.per_query[m].to_numpy(),
                                                               resamples=resamples,
                                                               seed=seed).as_dict()
                                             for m in r.per_query.columns},
                                 "seconds": round(r.seconds, 3)}
        if r.name in result.ladder:
            if below is not None:
                entry["lift_over"] = below.name
                entry["lift"] = {m: paired_lift(r.per_query[m].to_numpy(),
                                                below.per_query[m].to_numpy(),
                                                resamples=resamples, seed=seed).as_dict()
                                 for m in r.per_query.columns}
            below = r
        if r.probabilities is not None:
            entry["probability"] = {name: est.as_dict() for name, est in bootstrap_pooled(
                r.probabilities, labels, groups, resamples=min(resamples, 200), seed=seed).items()}
            mean_p, rate, count = calibration_curve(r.probabilities, labels)
            entry["calibration"] = {"mean_predicted": mean_p.tolist(), "observed": rate.tolist(),
                                    "count": count.tolist()}
        out["rungs"][r.name] = entry
    by_name = {r.name: r for r in result.rungs}
    out["comparisons"] = [
        {"rung": a, "baseline": b,
         "lift": {m: paired_lift(by_name[a].per_query[m].to_numpy(),
                                 by_name[b].per_query[m].to_numpy(),
                                 resamples=resamples, seed=seed).as_dict()
                  for m in COMPARISON_METRICS}}
        for a, b in HEADLINE_COMPARISONS if a in by_name and b in by_name]
    out["curves"] = {r.name: r.curve for r in result.rungs if r.curve}
    out["segments"] = {}
    for seg_name, values in (segments or {}).items():
        seg_out: dict[str, Any] = {}
        for value in sorted(values.dropna().unique().tolist(), key=str):
            ids = values.index[values == value]
            seg_out[str(value)] = {
                r.name: {m: bootstrap_mean(r.per_query.loc[r.per_query.index.isin(ids),
                                                           m].to_numpy(),
                                           resamples=resamples, seed=seed).as_dict()
                         for m in SEGMENT_METRICS}
                for r in result.rungs}
        out["segments"][seg_name] = seg_out
    return out
