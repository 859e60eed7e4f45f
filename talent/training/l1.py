"""Train the L1 ranker from the logs.

Dataset (:mod:`talent.training.dataset`): every logged search re-run through the SAME query plan
and feature code the partitions use at serving time, for the members it showed; graded labels
from the logged outcomes (accepted InMail 4 > InMail 3 > save 2 > view 1 > shown only 0); one
query group per search. Split: by session start time, later sessions validate.

Models: LightGBM ``lambdarank`` and XGBoost ``rank:pairwise``, pairs only within a search; the one
with the better validation InMail-accept precision@25 (logged replay: the validation searches'
shown candidates re-ranked) is saved. The text-match order and a logistic regression on the same
features are reported as baselines. Artifacts: ``<models_dir>/l1/<version>/`` (model file and
``meta.json``) and ``<models_dir>/l1/CURRENT``.

Labels (``labels=``): ``"accept"`` (the default) orders accepted InMails above every other
shown candidate; ``"graded"`` uses the whole ladder (accept > InMail > save > view > shown). On
the demo world the graded ladder teaches the rankers what recruiters engage with rather than
what members accept: it costs 9-13% validation precision@5 against accept labels (measured with
both libraries, see docs/search.md), so the engagement grades stay in the logs, the NDCG
metrics and this option, and the default learns the two-way-interest signal itself.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from index.l1.features import FEATURE_NAMES, text_match_score
from index.l1.model import MODEL_FILES, l1_models_dir, model_checksum
from index.serving.snapshot import IndexSnapshot
from talent.errors import InvalidInput
from talent.logging import get_logger
from talent.ranking.candidates import Candidates, per_query_metrics
from talent.ranking.metrics import CUTOFFS
from talent.ranking.split import time_split
from talent.taxonomy.model import Taxonomy
from talent.training.dataset import DatasetProgress, L1Dataset, build_dataset

__all__ = ["L1Dataset", "build_dataset", "fit_rankers", "train_l1", "train_lightgbm",
           "train_xgboost"]

log = get_logger(__name__)

Labels = Literal["accept", "graded"]
LABEL_SCHEMES: tuple[str, ...] = ("accept", "graded")
#: LightGBM lambdarank gain per grade (shown, view, save, InMail, accepted InMail).
LABEL_GAIN: dict[str, tuple[float, ...]] = {"accept": (0.0, 1.0),
                                            "graded": (0.0, 1.0, 2.0, 4.0, 40.0)}
SELECTION_METRIC = "precision@25"
#: Validation differences below 1% (relative) are noise on the demo world's ~1,200 searches: a tie.
SELECTION_TOLERANCE = 0.01
RANKERS = ("lightgbm", "xgboost")
#: Chosen on the demo world's training window (see docs/search.md): shallow trees and strong
#: leaf minimums, because accepts are rare (~0.6% of shown candidates).
LIGHTGBM_PARAMS: dict[str, Any] = {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 7,
                                   "min_child_samples": 100, "subsample": 0.8, "subsample_freq": 1,
                                   "colsample_bytree": 0.8}
XGBOOST_PARAMS: dict[str, Any] = {"objective": "rank:pairwise", "eta": 0.1, "max_depth": 4,
                                  "min_child_weight": 5.0, "subsample": 0.8,
                                  "colsample_bytree": 0.8, "tree_method": "hist"}
XGBOOST_ROUNDS = 200  # as good as 400 at eta 0.05 on the demo world, half the serving cost


# --- models ---------------------------------------------------------------------------------------
def _matrix(c: Candidates) -> np.ndarray:
    assert c.features is not None, "candidates without features: build them with build_dataset"
    return c.features


def _groups(c: Candidates) -> np.ndarray:
    return c.group_sizes


def ranking_labels(c: Candidates, labels: Labels) -> np.ndarray:
    """The training label of each shown candidate under a label scheme (see the module doc)."""
    if labels == "accept":
        return c.rows["accepted"].to_numpy().astype(np.int32)
    if labels == "graded":
        return c.rows["grade"].to_numpy().astype(np.int32)
    raise InvalidInput(f"unknown label scheme {labels!r}; known: {', '.join(LABEL_SCHEMES)}")


def train_lightgbm(train: Candidates, seed: int = 0, labels: Labels = "accept",
                   rounds: int | None = None,
                   threads: int = 2) -> Any:
    """LightGBM ``lambdarank`` over query groups (one per search); returns the booster."""
    import lightgbm as lgb

    params = {**LIGHTGBM_PARAMS, **({"n_estimators": rounds} if rounds else {})}
    model = lgb.LGBMRanker(objective="lambdarank", label_gain=list(LABEL_GAIN[labels]),
                           random_state=seed, n_jobs=threads, verbose=-1, **params)
    model.fit(_matrix(train), ranking_labels(train, labels), group=_groups(train))
    return model.booster_


def train_xgboost(train: Candidates, seed: int = 0, labels: Labels = "accept",
                  rounds: int | None = None,
                  threads: int = 2) -> Any:
    """XGBoost ``rank:pairwise`` with the search id as query id; returns the booster."""
    import xgboost as xgb

    qid = train.rows["search_id"].to_numpy()
    X = _matrix(train)
    names = list(train.feature_names) if len(train.feature_names) == X.shape[1] else None
    dtrain = xgb.DMatrix(X, label=ranking_labels(train, labels), qid=qid, feature_names=names)
    params = {**XGBOOST_PARAMS, "nthread": threads, "seed": seed}
    return xgb.train(params, dtrain, num_boost_round=rounds or XGBOOST_ROUNDS)


RANKER_TRAINERS = {"lightgbm": train_lightgbm, "xgboost": train_xgboost}


def train_linear(train: Candidates) -> Any:
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
    from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    model.fit(_matrix(train), train.rows["accepted"].to_numpy())
    return model


def predict(kind: str, model: Any, X: np.ndarray) -> np.ndarray:
    if kind == "xgboost":
        return np.asarray(model.inplace_predict(X), dtype=np.float32)
    if kind == "lightgbm":
        return np.asarray(model.predict(X, num_threads=1), dtype=np.float32)
    if kind == "linear":
        return np.asarray(model.decision_function(X), dtype=np.float32)
    if kind == "text-match":
        return text_match_score(X)
    raise ValueError(kind)


def evaluate(cands: Candidates, scores: np.ndarray) -> dict[str, float]:
    """Mean InMail-accept precision@k over all validation searches and over those with an accept."""
    per = per_query_metrics(cands, scores, CUTOFFS)
    has = (cands.rows.groupby("search_id", sort=False)["accepted"].max().reindex(per.index)
           .to_numpy() > 0)
    out: dict[str, float] = {}
    for k in CUTOFFS:
        col = per[f"precision@{k}"].to_numpy()
        out[f"precision@{k}"] = float(col.mean()) if len(col) else 0.0
        out[f"precision@{k}_searches_with_accept"] = float(col[has].mean()) if has.any() else 0.0
        out[f"ndcg@{k}"] = float(np.nanmean(per[f"ndcg@{k}"].to_numpy())) if len(per) else 0.0
    return out


def _predict_ms(kind: str, model: Any, X: np.ndarray, repeats: int = 5, batches: int = 5) -> float:
    """Milliseconds to score 1,000 rows: the best of ``batches`` means (robust to a busy
    machine)."""
    rows = X[:1000] if len(X) >= 1000 else np.resize(X, (1000, X.shape[1]))
    predict(kind, model, rows)
    best = float("inf")
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(repeats):
            predict(kind, model, rows)
        best = min(best, (time.perf_counter() - t0) / repeats * 1e3)
    return best


def choose_winner(metrics: dict[str, dict[str, float]], speed: dict[str, float],
                  tolerance: float = SELECTION_TOLERANCE) -> str:
    """The better GBDT: higher validation precision@25; within ``tolerance`` (relative) of each
    other, the faster predictor (L1 scores every retrieved match of every partition, so its
    prediction cost is paid on every search)."""
    def better(a: str, b: str) -> bool:
        x, y = metrics[a][SELECTION_METRIC], metrics[b][SELECTION_METRIC]
        if abs(x - y) > tolerance * max(abs(x), abs(y), 1e-12):
            return x > y
        return speed[a] < speed[b]

    first, second = RANKERS
    return first if better(first, second) else second


@dataclass
class TrainingReport:
    version: str
    path: Path
    winner: str
    metrics: dict[str, dict[str, float]]
    predict_ms_per_1000: dict[str, float]
    train_searches: int
    validation_searches: int
    rows: int
    dataset_seconds: float
    train_seconds: float
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class FittedRankers:
    """Both GBDTs (and the baselines) fitted on one training set and scored on one validation
    set."""

    models: dict[str, Any]
    metrics: dict[str, dict[str, float]]
    predict_ms: dict[str, float]
    winner: str
    seconds: float


def fit_rankers(train: Candidates, valid: Candidates, *, seed: int = 0, labels: Labels = "accept",
                rounds: int | None = None, baselines: bool = True) -> FittedRankers:
    """Fit LightGBM and XGBoost (and, with ``baselines``, the linear model) on ``train``; the winner
    is the GBDT with the better ``valid`` precision@25 (see :func:`choose_winner`)."""
    if ranking_labels(train, labels).max(initial=0) <= 0:
        raise InvalidInput("the training logs hold no accepted InMails to learn from: simulate "
                           "more searches")
    t0 = time.perf_counter()
    models: dict[str, Any] = {kind: RANKER_TRAINERS[kind](train, seed, labels, rounds)
                              for kind in RANKERS}
    if baselines:
        models["linear"] = train_linear(train)
        models["text-match"] = None
    seconds = time.perf_counter() - t0
    metrics = {kind: evaluate(valid, predict(kind, m, _matrix(valid)))
               for kind, m in models.items()}
    speed = {kind: _predict_ms(kind, models[kind], _matrix(train)) for kind in RANKERS}
    winner = choose_winner(metrics, speed)
    return FittedRankers(models, metrics, speed, winner, seconds)


def train_l1(engine: Any, snapshot: IndexSnapshot, taxonomy: Taxonomy, models_dir: Path, *,
             test_fraction: float = 0.2, world: str = "", seed: int = 0, labels: Labels = "accept",
             rounds: int | None = None, make_current: bool = True, cache_dir: Path | None = None,
             index_stamp: str = "",
             progress: DatasetProgress | None = None) -> TrainingReport:
    """Build the dataset, train both GBDTs and the baselines, save the better GBDT as a new
    version."""
    data = build_dataset(engine, snapshot, taxonomy, cache_dir=cache_dir, index_stamp=index_stamp,
                         progress=progress)
    cands = data.candidates
    if cands.rows.empty:
        raise InvalidInput("no logged searches with impressions to train on: run `talent world "
                           "simulate` first")
    searches = cands.searches.loc[cands.searches.index.isin(cands.rows["search_id"].unique())]
    split = time_split(searches.reset_index()[["id", "session_id", "created_at"]], test_fraction)
    train, valid = cands.subset(split.train_search_ids), cands.subset(split.test_search_ids)
    if train.rows["grade"].nunique() < 2:
        raise InvalidInput("the training logs hold no outcomes (views, saves, InMails): simulate "
                           "more searches")
    fitted = fit_rankers(train, valid, seed=seed, labels=labels, rounds=rounds)
    models, metrics, speed, winner = fitted.models, fitted.metrics, fitted.predict_ms, fitted.winner
    train_seconds = fitted.seconds
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    root = l1_models_dir(models_dir)
    path = root / version
    path.mkdir(parents=True, exist_ok=False)
    models[winner].save_model(str(path / MODEL_FILES[winner]))
    created = pd.to_datetime(searches["created_at"])
    meta = {
        "kind": winner,
        "checksum": model_checksum(path / MODEL_FILES[winner]),  # verified before every load
        "version": version,
        "feature_names": list(FEATURE_NAMES),
        "feature_schema": {"dtype": "float32", "count": len(FEATURE_NAMES)},
        "selection_metric": SELECTION_METRIC,
        "validation": metrics,
        "predict_ms_per_1000_rows": speed,
        "training_window": {"first_search": str(created.min()), "last_search": str(created.max()),
                            "validation_from": str(split.cutoff)},
        "train_searches": int(train.rows["search_id"].nunique()),
        "validation_searches": int(valid.rows["search_id"].nunique()),
        "rows": len(cands.rows),
        "skipped_searches": data.skipped_searches,
        "index_version": snapshot.version,
        "world": world,
        "labels": labels,
        "label_scheme": ("accepted InMail 1 > every other shown candidate 0" if labels == "accept"
                         else "accepted InMail 4 > InMail 3 > save 2 > view 1 > shown 0"),
        "params": ({**LIGHTGBM_PARAMS, "n_estimators": rounds or LIGHTGBM_PARAMS["n_estimators"]}
                   if winner == "lightgbm"
                   else {**XGBOOST_PARAMS, "rounds": rounds or XGBOOST_ROUNDS}),
        "dataset": {"seconds": round(data.seconds, 2), "cached": data.cached,
                    "split_cutoff": str(split.cutoff),
                    "test_fraction": test_fraction, "train_rows": len(train.rows),
                    "validation_rows": len(valid.rows)},
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (path / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    if make_current:
        tmp = root / f".CURRENT.{os.getpid()}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, root / "CURRENT")
    log.info("train.l1.done", version=version, winner=winner,
             **{f"{k}.{m}": v for k, ms in metrics.items()
                                                                  for m, v in ms.items()
                if m in ("precision@25",)})
    return TrainingReport(version, path, winner, metrics, speed,
                          int(train.rows["search_id"].nunique()),
                          int(valid.rows["search_id"].nunique()), len(cands.rows), data.seconds,
                          train_seconds, meta)
