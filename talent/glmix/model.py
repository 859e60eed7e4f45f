"""A fitted GLMix model: scoring, the artifact on disk, one entity's coefficients."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from talent.errors import ModelUnavailable
from talent.glmix.design import DesignSpec, entity_design

MODEL_FILE = "model.npz"


@dataclass
class EntityEffects:
    """Per-entity coefficients over z (the dense columns) and an intercept (last column)."""

    ids: np.ndarray
    coef: np.ndarray
    rows: np.ndarray

    def index(self, entity_ids: np.ndarray) -> np.ndarray:
        """Row of each entity in ``coef``, -1 for an entity with no training data."""
        ids = np.asarray(entity_ids, np.int64)
        if len(self.ids) == 0:
            return np.full(len(ids), -1)
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[pos] == ids, pos, -1)

    def scores(self, z: np.ndarray, entity_ids: np.ndarray) -> np.ndarray:
        """Each row's entity effect (0 for an entity the model never saw: the global model)."""
        idx = self.index(entity_ids)
        out = np.zeros(len(z))
        known = idx >= 0
        if known.any():
            c = self.coef[idx[known]]
            out[known] = np.einsum("ij,ij->i", z[known], c[:, :-1]) + c[:, -1]
        return out

    def of(self, entity_id: int) -> np.ndarray | None:
        i = int(self.index(np.array([entity_id]))[0])
        return None if i < 0 else self.coef[i]


@dataclass(frozen=True)
class MarginOffset:
    """A fixed part of every logit: ``scale * dense[column] + intercept`` (the L1 margin,
    calibrated to P(accept) on the training rows). The global block fits corrections around it."""

    column: str
    scale: float
    intercept: float

    def as_meta(self) -> dict[str, Any]:
        return {"column": self.column, "scale": self.scale, "intercept": self.intercept}


@dataclass
class GLMixModel:
    """Global coefficients over x and random effects per entity type over z.

    ``entity_names``: the dense columns z holds (all of them when empty, as models before the
    margin offset had), each minus its search context when ``entity_centered``; ``offset``: the
    fixed margin term, if the model was fitted around one."""

    version: str
    spec: DesignSpec
    intercept: float
    coef: np.ndarray
    entities: dict[str, EntityEffects]
    meta: dict[str, Any] = field(default_factory=dict)
    entity_names: tuple[str, ...] = ()
    offset: MarginOffset | None = None
    entity_centered: bool = False

    @property
    def z_names(self) -> tuple[str, ...]:
        """The dense columns the random effects act on."""
        return self.entity_names or self.spec.dense_names


    @property
    def name(self) -> str:
        return f"l2-glmix@{self.version}"

    @property
    def l1_version(self) -> str:
        return str(self.meta.get("l1_version", ""))

    def logits(self, dense_raw: np.ndarray, leaves: np.ndarray | None,
               recruiter_ids: np.ndarray | None = None,
               contract_ids: np.ndarray | None = None) -> np.ndarray:
        """logit P(accept) of each row (raw dense columns; entity ids per row or None)."""
        z = self.spec.dense(dense_raw)
        eta = z @ self.coef[: self.spec.n_dense] + self.intercept
        if self.offset is not None:
            column = self.spec.dense_names.index(self.offset.column)
            eta = eta + self.offset.scale * np.asarray(dense_raw, np.float64)[:, column] \
                + self.offset.intercept
        if self.spec.uses_leaves:
            eta = eta + self.spec.leaf_matrix(leaves) @ self.coef[self.spec.n_dense:]
        ze = (entity_design(self.spec, dense_raw, self.entity_names, self.entity_centered)
              if self.entity_names else z)
        for kind, ids in (("recruiter", recruiter_ids), ("contract", contract_ids)):
            if kind in self.entities and ids is not None:
                eta = eta + self.entities[kind].scores(ze, np.broadcast_to(ids, (len(z),)))
        return eta

    def predict(self, dense_raw: np.ndarray, leaves: np.ndarray | None,
                recruiter_ids: np.ndarray | None = None,
                contract_ids: np.ndarray | None = None) -> np.ndarray:
        """P(accept) of each row."""
        return expit(self.logits(dense_raw, leaves, recruiter_ids, contract_ids))

    def global_matrix(self, dense_raw: np.ndarray, leaves: np.ndarray | None) -> sp.csr_matrix:
        return self.spec.global_matrix(self.spec.dense(dense_raw), leaves)

    # -- one entity ----------------------------------------------------------------------------
    def entity_coefficients(self, kind: str, entity_id: int) -> dict[str, Any] | None:
        """An entity's own coefficients by dense column name (in standardized units: the change
        of logit per standard deviation), its intercept and its training rows; None when the
        model has no effect for it (it gets the global model)."""
        effects = self.entities.get(kind)
        if effects is None:
            return None
        i = int(effects.index(np.array([entity_id]))[0])
        if i < 0:
            return None
        c = effects.coef[i]
        return {"id": int(entity_id), "rows": int(effects.rows[i]), "intercept": float(c[-1]),
                "coefficients": dict(zip(self.z_names, map(float, c[:-1])))}

    def recruiter_report(self, recruiter_id: int, contract_id: int | None) -> dict[str, Any]:
        """A recruiter's own model: their effects, their contract's and the global coefficients
        (an effect is None when the model has none: that recruiter ranks with the global one)."""
        return {"model": self.name, "l1": self.meta.get("l1_name"), "recruiter_id": recruiter_id,
                "contract_id": contract_id,
                "recruiter": self.entity_coefficients("recruiter", recruiter_id),
                "contract": (self.entity_coefficients("contract", contract_id)
                             if contract_id is not None else None),
                "global": self.global_coefficients()}

    def global_coefficients(self) -> dict[str, float]:
        """The global dense coefficients (logit per standard deviation); a model fitted around
        the L1 margin shows the margin's own scale (logit per unit of L1 score) under its name."""
        out = dict(zip(self.spec.dense_names, map(float, self.coef[: self.spec.n_dense])))
        if self.offset is not None:
            out[self.offset.column] = float(self.offset.scale)
        return out

    # -- the artifact --------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "intercept": np.array([self.intercept]), "coef": self.coef, "mean": self.spec.mean,
            "scale": self.spec.scale, "leaf_columns": self.spec.leaf_columns}
        for kind, e in self.entities.items():
            arrays.update({f"{kind}_ids": e.ids, f"{kind}_coef": e.coef, f"{kind}_rows": e.rows})
        np.savez(path / MODEL_FILE, **arrays)
        meta = {**self.meta, "version": self.version, "dense_names": list(self.spec.dense_names),
                "entities": list(self.entities), "entity_features": list(self.entity_names),
                "entity_centered": self.entity_centered,
                "margin_offset": self.offset.as_meta() if self.offset is not None else None}
        (path / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")


def l2_models_dir(models_dir: Path) -> Path:
    return Path(models_dir) / "l2"


def load_l2(path: Path) -> GLMixModel:
    """The model artifact in directory ``path``."""
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        with np.load(path / MODEL_FILE) as z:
            arrays = {k: z[k] for k in z.files}
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise ModelUnavailable(f"L2 model {path} is missing or corrupt: run `talent train l2`"
                               ) from exc
    spec = DesignSpec(tuple(meta["dense_names"]), arrays["mean"], arrays["scale"],
                      arrays["leaf_columns"])
    entities = {k: EntityEffects(arrays[f"{k}_ids"], arrays[f"{k}_coef"], arrays[f"{k}_rows"])
                for k in meta.get("entities", [])}
    margin = meta.get("margin_offset")
    offset = (MarginOffset(str(margin["column"]), float(margin["scale"]),
                           float(margin["intercept"])) if margin else None)
    return GLMixModel(str(meta["version"]), spec, float(arrays["intercept"][0]), arrays["coef"],
                      entities, meta, tuple(meta.get("entity_features") or ()), offset,
                      bool(meta.get("entity_centered", False)))


def load_current_l2(models_dir: Path) -> GLMixModel | None:
    """The model ``<models_dir>/l2/CURRENT`` points to, or None when there is none."""
    pointer = l2_models_dir(models_dir) / "CURRENT"
    if not pointer.exists():
        return None
    return load_l2(l2_models_dir(models_dir) / pointer.read_text(encoding="utf-8").strip())


def make_current(models_dir: Path, version: str) -> None:
    root = l2_models_dir(models_dir)
    tmp = root / f".CURRENT.{os.getpid()}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / "CURRENT")
