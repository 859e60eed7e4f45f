"""Train the L1 ranker from the logs.

Dataset: every logged search is re-run through the SAME query plan and feature code the
partitions use at serving time (:func:`index.l1.features_for_members`) for the members it
showed; labels are the logged outcomes (accepted InMail 4 > InMail 3 > save 2 > view 1 >
shown only 0, :func:`talent.evaluation.replay.grade_labels`); one query group per search.
Split: by session start time (:func:`talent.evaluation.split.time_split`), later sessions validate.

Models: LightGBM ``lambdarank`` and XGBoost ``rank:pairwise``; the one with the better
validation InMail-accept precision@25 (logged replay: the validation searches' shown
candidates re-ranked) is saved. The text-match order and a logistic regression on the same
features are reported as baselines. Artifacts: ``<models_dir>/l1/<version>/`` (model file and
``meta.json``) and ``<models_dir>/l1/CURRENT``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from index.l1 import (
    FEATURE_NAMES,
    MODEL_FILES,
    features_for_members,
    l1_models_dir,
    text_match_score,
)
from index.plan import QueryPlan, build_plan
from index.serving import IndexSnapshot
from talent.errors import InvalidInput, QueryError
from talent.evaluation.replay import Candidates, load_candidates, per_query_metrics
from talent.evaluation.split import time_split
from talent.logging import get_logger
from talent.query import parse_query
from talent.taxonomy.model import Taxonomy

log = get_logger(__name__)

KS = (5, 25)
#: LightGBM lambdarank gain per grade (shown, view, save, InMail, accepted InMail): accepts dominate,
#: since precision is measured on accepts (on the demo world this lifted p@5 0.0446 -> 0.0486 over
#: the default 2^g - 1 gains).
LABEL_GAIN = (0.0, 1.0, 2.0, 4.0, 40.0)
SELECTION_METRIC = "precision@25"


@dataclass
class L1Dataset:
    """Features, graded labels and query groups of logged searches (rows sorted by search, position)."""

    candidates: Candidates
    skipped_searches: int
    seconds: float

    @property
    def features(self) -> np.ndarray:
        assert self.candidates.features is not None
        return self.candidates.features


def _query_of(row: pd.Series) -> str | dict[str, Any]:
    raw = row.get("query_json")
    if isinstance(raw, str) and raw.strip():
        try:
            return json.loads(raw)
        except ValueError:
            pass
    if isinstance(raw, dict):
        return raw
    return str(row.get("query_text") or "")


def build_dataset(engine: Any, snapshot: IndexSnapshot, taxonomy: Taxonomy,
                  search_ids: np.ndarray | None = None) -> L1Dataset:
    """Re-run each logged search's query through the serving feature code for the members it showed."""
    t0 = time.perf_counter()
    cands = load_candidates(engine, None if search_ids is None else search_ids.tolist())
    rows = cands.rows
    X = np.zeros((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
    keep = np.ones(len(rows), dtype=bool)
    sid = rows["search_id"].to_numpy()
    members = rows["member_id"].to_numpy(dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]]) if len(sid) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(sid)].astype(np.int64)
    plans: dict[str, QueryPlan | None] = {}
    skipped = 0
    for start, end in zip(starts.tolist(), ends.tolist()):
        search = cands.searches.loc[int(sid[start])]
        query = _query_of(search)
        key = json.dumps(query, sort_keys=True) if isinstance(query, dict) else query
        if key not in plans:
            try:
                plans[key] = build_plan(parse_query(query, taxonomy), snapshot, taxonomy)
            except QueryError as exc:
                log.warning("train.l1.unparsable_search", search_id=int(sid[start]), error=str(exc))
                plans[key] = None
        plan = plans[key]
        if plan is None:
            keep[start:end] = False
            skipped += 1
            continue
        X[start:end] = features_for_members(snapshot, plan, members[start:end])
    if not keep.all():
        cands = Candidates(rows.loc[keep].reset_index(drop=True), cands.searches, None, (), dict(cands.info))
        X = X[keep]
    cands.features = X
    cands.feature_names = FEATURE_NAMES
    return L1Dataset(cands, skipped, time.perf_counter() - t0)


# --- models ----------------------------------------------------------------------------------------------
def _matrix(c: Candidates) -> np.ndarray:
    assert c.features is not None, "candidates without features: build them with build_dataset"
    return c.features


def _groups(c: Candidates) -> np.ndarray:
    return c.group_sizes


def train_lightgbm(train: Candidates, seed: int = 0, rounds: int = 200) -> Any:
    import lightgbm as lgb

    model = lgb.LGBMRanker(objective="lambdarank", n_estimators=rounds, learning_rate=0.05, num_leaves=31,
                           min_child_samples=20, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                           label_gain=list(LABEL_GAIN), random_state=seed, n_jobs=2, verbose=-1)
    model.fit(_matrix(train), train.rows["grade"].to_numpy(), group=_groups(train))
    return model.booster_


def train_xgboost(train: Candidates, seed: int = 0, rounds: int = 200) -> Any:
    import xgboost as xgb

    qid = train.rows["search_id"].to_numpy()
    dtrain = xgb.DMatrix(_matrix(train), label=train.rows["grade"].to_numpy(), qid=qid,
                         feature_names=list(FEATURE_NAMES))
    params = {"objective": "rank:pairwise", "eta": 0.1, "max_depth": 6, "min_child_weight": 1.0,
              "subsample": 0.8, "colsample_bytree": 0.8, "tree_method": "hist", "nthread": 2, "seed": seed,
              "eval_metric": "ndcg@25"}
    return xgb.train(params, dtrain, num_boost_round=rounds)


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
    per = per_query_metrics(cands, scores, KS)
    has = cands.rows.groupby("search_id", sort=False)["accepted"].max().reindex(per.index).to_numpy() > 0
    out: dict[str, float] = {}
    for k in KS:
        col = per[f"precision@{k}"].to_numpy()
        out[f"precision@{k}"] = float(col.mean()) if len(col) else 0.0
        out[f"precision@{k}_searches_with_accept"] = float(col[has].mean()) if has.any() else 0.0
        out[f"ndcg@{k}"] = float(np.nanmean(per[f"ndcg@{k}"].to_numpy())) if len(per) else 0.0
    return out


def _predict_ms(kind: str, model: Any, X: np.ndarray, repeats: int = 20) -> float:
    rows = X[:1000] if len(X) >= 1000 else np.resize(X, (1000, X.shape[1]))
    predict(kind, model, rows)
    t0 = time.perf_counter()
    for _ in range(repeats):
        predict(kind, model, rows)
    return (time.perf_counter() - t0) / repeats * 1e3


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


def train_l1(engine: Any, snapshot: IndexSnapshot, taxonomy: Taxonomy, models_dir: Path, *,
             test_fraction: float = 0.2, world: str = "", seed: int = 0, rounds: int = 200, make_current: bool = True) -> TrainingReport:
    """Build the dataset, train both GBDTs and the baselines, save the better GBDT as a new version."""
    data = build_dataset(engine, snapshot, taxonomy)
    cands = data.candidates
    if cands.rows.empty:
        raise InvalidInput("no logged searches with impressions to train on: run `talent world simulate` first")
    searches = cands.searches.loc[cands.searches.index.isin(cands.rows["search_id"].unique())]
    split = time_split(searches.reset_index()[["id", "session_id", "created_at"]], test_fraction)
    train, valid = cands.subset(split.train_search_ids), cands.subset(split.test_search_ids)
    if train.rows["grade"].nunique() < 2:
        raise InvalidInput("the training logs hold no outcomes (views, saves, InMails): simulate more searches")
    t0 = time.perf_counter()
    models = {"lightgbm": train_lightgbm(train, seed, rounds), "xgboost": train_xgboost(train, seed, rounds),
              "linear": train_linear(train), "text-match": None}
    train_seconds = time.perf_counter() - t0
    metrics = {kind: evaluate(valid, predict(kind, m, _matrix(valid))) for kind, m in models.items()}
    speed = {kind: _predict_ms(kind, models[kind], _matrix(cands)) for kind in ("lightgbm", "xgboost")}
    winner = max(("xgboost", "lightgbm"),
                 key=lambda k: (round(metrics[k][SELECTION_METRIC], 6), round(metrics[k]["precision@5"], 6),
                                -speed[k]))
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    root = l1_models_dir(models_dir)
    path = root / version
    path.mkdir(parents=True, exist_ok=False)
    model_file = path / MODEL_FILES[winner]
    if winner == "xgboost":
        models[winner].save_model(str(model_file))
    else:
        models[winner].save_model(str(model_file))
    created = pd.to_datetime(searches["created_at"])
    meta = {
        "kind": winner,
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
        "labels": "accepted InMail 4 > InMail 3 > save 2 > view 1 > shown 0",
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (path / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    if make_current:
        tmp = root / f".CURRENT.{os.getpid()}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, root / "CURRENT")
    log.info("train.l1.done", version=version, winner=winner, **{f"{k}.{m}": v for k, ms in metrics.items()
                                                                  for m, v in ms.items() if m in ("precision@25",)})
    return TrainingReport(version, path, winner, metrics, speed, int(train.rows["search_id"].nunique()),
                          int(valid.rows["search_id"].nunique()), len(cands.rows), data.seconds, train_seconds,
                          meta)
