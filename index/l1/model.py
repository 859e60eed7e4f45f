"""The L1 model: what scores a feature matrix, and loading a trained one from its artifact."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.l1.features import FEATURE_INDEX, FEATURE_NAMES
from talent.errors import ModelUnavailable
from talent.logging import get_logger

log = get_logger(__name__)


class L1Scorer(Protocol):
    """Anything that scores an L1 feature matrix (a trained model)."""

    @property
    def name(self) -> str: ...

    def predict(self, features: np.ndarray) -> np.ndarray: ...


@dataclass
class L1Model:
    """A trained L1 ranker loaded from ``<models_dir>/l1/<version>/``.

    ``feature_names`` are the features it was trained on, in its column order: the code's
    features (:data:`FEATURE_NAMES`) or an older subset of them (a model trained before a feature
    was appended keeps serving: :meth:`predict` takes its own columns)."""

    version: str
    kind: str                       # "xgboost" | "lightgbm"
    booster: Any
    feature_names: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._columns: np.ndarray | None = (
            None if self.feature_names == FEATURE_NAMES
            else np.asarray([FEATURE_INDEX[n] for n in self.feature_names], dtype=np.int64))

    @property
    def name(self) -> str:
        return f"l1-{self.kind}@{self.version}"

    @property
    def embedding_version(self) -> str | None:
        """The title-embedding version its training features were computed with."""
        value = self.meta.get("embedding_version")
        return str(value) if value else None

    def uses(self, feature: str) -> bool:
        return feature in self.feature_names

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Scores of rows of the code's features (``len(FEATURE_NAMES)`` columns)."""
        if len(features) == 0:
            return np.zeros(0, dtype=np.float32)
        if self._columns is not None:
            features = np.ascontiguousarray(features[:, self._columns])
        if self.kind == "xgboost":
            return np.asarray(self.booster.inplace_predict(features), dtype=np.float32)
        return np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float32)

    def leaves(self, features: np.ndarray, trees: int | None = None) -> np.ndarray:
        """The leaf each of the first ``trees`` trees (all: None) puts each row in, ``(n, trees)``
        int32 (L2's tree-interaction features)."""
        X = np.asarray(features, dtype=np.float32)
        if self._columns is not None:  # a model trained on an older subset of the features
            X = np.ascontiguousarray(X[:, self._columns])
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


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (what a model's ``meta.json`` records as ``sha256``)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_checksum(path: Path) -> dict[str, Any]:
    """What training writes into ``meta.json`` about the model file: size and SHA-256."""
    return {"bytes": path.stat().st_size, "sha256": file_sha256(path)}


#: Loading a model file without a checksum (trained before checksums) first happens in a child
#: process: a truncated LightGBM file crashes the loading process with SIGSEGV.
_PROBE = {
    "xgboost": "import sys, xgboost as x; b = x.Booster(); b.load_model(sys.argv[1])",
    "lightgbm": "import sys, lightgbm as l; l.Booster(model_file=sys.argv[1])",
}


def _probe(kind: str, model_file: Path) -> str | None:
    """Why loading ``model_file`` fails in a child process, or None when it loads."""
    code = _PROBE.get(kind)
    if code is None:
        return f"unknown model kind {kind!r}"
    try:
        done = subprocess.run([sys.executable, "-c", code, str(model_file)], capture_output=True,
                              timeout=120, check=False)
    except subprocess.TimeoutExpired:
        return "loading it did not finish in 120 s"
    if done.returncode == 0:
        return None
    if done.returncode < 0:
        return f"loading it crashed the process (signal {-done.returncode})"
    last = (done.stderr.decode(errors="replace").strip().splitlines() or ["failed"])[-1]
    return f"loading it failed: {last[:200]}"


def verify_model(path: Path) -> tuple[dict[str, Any], Path]:
    """The metadata and model file of the artifact in ``path``, checked before anything loads it:
    its feature schema is this code's and its bytes match the recorded checksum (an artifact
    without one is loaded once in a child process first). Raises :class:`ModelUnavailable`."""
    meta_file = path / "meta.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError) as exc:
        raise ModelUnavailable(f"L1 model metadata {meta_file} is missing or corrupt: run `talent "
                               "train l1`") from exc
    names = tuple(meta.get("feature_names", ()))
    unknown = [n for n in names if n not in FEATURE_INDEX]
    if not names or unknown or len(set(names)) != len(names):
        raise ModelUnavailable(f"L1 model {path.name} was trained on features this code does not "
                               f"compute ({', '.join(unknown) or 'none recorded'}): retrain with "
                               "`talent train l1`")
    kind = str(meta.get("kind"))
    model_file = path / MODEL_FILES.get(kind, "model")
    if not model_file.is_file():
        raise ModelUnavailable(f"L1 model file {model_file} is missing: run `talent train l1`")
    recorded = meta.get("checksum") or {}
    if recorded.get("sha256"):
        if model_file.stat().st_size != recorded.get("bytes") or (
                file_sha256(model_file) != recorded["sha256"]):
            raise ModelUnavailable(f"L1 model {path.name} failed its checksum ({model_file.name} "
                                   "is truncated or changed): retrain with `talent train l1`")
    else:
        problem = _probe(kind, model_file)
        if problem is not None:
            raise ModelUnavailable(f"L1 model {path.name} has no checksum and {problem}: retrain "
                                   "with `talent train l1`")
    return meta, model_file


def load_model(path: Path) -> L1Model:
    """Load the verified model artifact in directory ``path`` (see :func:`verify_model`)."""
    meta, model_file = verify_model(path)
    kind = str(meta.get("kind"))
    booster: Any
    try:
        if kind == "xgboost":
            import xgboost as xgb

            booster = xgb.Booster()
            booster.load_model(str(model_file))
            booster.set_param({"nthread": 1})
        else:
            import lightgbm as lgb

            booster = lgb.Booster(model_file=str(model_file))
    except Exception as exc:  # noqa: BLE001 - the library's own words, as a model problem
        raise ModelUnavailable(f"L1 model {path.name} could not be loaded: {exc}") from exc
    return L1Model(path.name, kind, booster, tuple(meta.get("feature_names", ())), meta)


def load_current_model(models_dir: Path) -> L1Model | None:
    """The model ``<models_dir>/l1/CURRENT`` points to, or None when there is none."""
    root = l1_models_dir(models_dir)
    pointer = root / "CURRENT"
    if not pointer.exists():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    return load_model(root / version)


@dataclass(frozen=True)
class ServingModel:
    """The model a server ranks with and, when it is not ``CURRENT``'s, why (``notice``)."""

    model: L1Model | None
    notice: str = ""


def load_serving_model(models_dir: Path) -> ServingModel:
    """``CURRENT``'s model; when it is missing or fails its checks, the newest earlier version
    that passes them, else none (text match), with a notice saying so (logged once here, and
    reported with every search). Never raises for a bad artifact: a server starts either way."""
    root = l1_models_dir(models_dir)
    pointer = root / "CURRENT"
    if not pointer.exists():
        return ServingModel(None)
    current = pointer.read_text(encoding="utf-8").strip()
    try:
        return ServingModel(load_model(root / current))
    except ModelUnavailable as exc:
        problem = str(exc)
    for candidate in sorted((p.name for p in root.iterdir() if p.is_dir()), reverse=True):
        if candidate == current or candidate.startswith("."):
            continue
        try:
            model = load_model(root / candidate)
        except ModelUnavailable:
            continue
        notice = f"{problem}; ranking with the previous L1 model {candidate}"
        log.warning("l1.model_fallback", current=current, using=candidate, reason=problem)
        return ServingModel(model, notice)
    log.warning("l1.model_fallback", current=current, using="text match", reason=problem)
    return ServingModel(None, f"{problem}; ranking by text match")
