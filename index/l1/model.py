"""The L1 model: what scores a feature matrix, and loading a trained one from its artifact."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.l1.features import FEATURE_NAMES
from talent.errors import ModelUnavailable


class L1Scorer(Protocol):
    """Anything that scores an L1 feature matrix (a trained model)."""

    @property
    def name(self) -> str: ...

    def predict(self, features: np.ndarray) -> np.ndarray: ...


@dataclass
class L1Model:
    """A trained L1 ranker loaded from ``<models_dir>/l1/<version>/``."""

    version: str
    kind: str                       # "xgboost" | "lightgbm"
    booster: Any
    feature_names: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"l1-{self.kind}@{self.version}"

    def predict(self, features: np.ndarray) -> np.ndarray:
        if len(features) == 0:
            return np.zeros(0, dtype=np.float32)
        if self.kind == "xgboost":
            return np.asarray(self.booster.inplace_predict(features), dtype=np.float32)
        return np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float32)

    def leaves(self, features: np.ndarray, trees: int | None = None) -> np.ndarray:
        """The leaf each of the first ``trees`` trees (all: None) puts each row in, ``(n, trees)``
        int32 (L2's tree-interaction features)."""
        X = np.asarray(features, dtype=np.float32)
        if self.kind == "xgboost":
            import xgboost as xgb

            names = self.booster.feature_names
            out = self.booster.predict(xgb.DMatrix(X, feature_names=names, nthread=1),
                                       pred_leaf=True,
                                       iteration_range=(0, trees) if trees else (0, 0))
        else:
            out = self.booster.predict(X, pred_leaf=True, num_threads=1,
                                       num_iteration=trees or None)
        return np.asarray(out, dtype=np.int32).reshape(len(X), -1)


MODEL_FILES = {"xgboost": "model.ubj", "lightgbm": "model.txt"}


def l1_models_dir(models_dir: Path) -> Path:
    return Path(models_dir) / "l1"


def load_model(path: Path) -> L1Model:
    """Load the model artifact in directory ``path``; refuses a feature schema this code does not
    have."""
    meta_file = path / "meta.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError) as exc:
        raise ModelUnavailable(f"L1 model metadata {meta_file} is missing or corrupt: run `talent "
                               "train l1`") from exc
    names = tuple(meta.get("feature_names", ()))
    if names != FEATURE_NAMES:
        raise ModelUnavailable(f"L1 model {path.name} was trained on other features than this code "
                               "computes: retrain with `talent train l1`")
    kind = meta.get("kind")
    model_file = path / MODEL_FILES.get(str(kind), "model")
    if not model_file.exists():
        raise ModelUnavailable(f"L1 model file {model_file} is missing: run `talent train l1`")
    booster: Any
    if kind == "xgboost":
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(str(model_file))
        booster.set_param({"nthread": 1})
    else:
        import lightgbm as lgb

        booster = lgb.Booster(model_file=str(model_file))
    return L1Model(path.name, str(kind), booster, names, meta)


def load_current_model(models_dir: Path) -> L1Model | None:
    """The model ``<models_dir>/l1/CURRENT`` points to, or None when there is none."""
    root = l1_models_dir(models_dir)
    pointer = root / "CURRENT"
    if not pointer.exists():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    return load_model(root / version)
