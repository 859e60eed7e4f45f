"""The versioned embedding artifact ``talent train line`` writes, and nearest-entity look-ups.

Layout under ``<models_dir>/line/<version>/``: ``vectors.npy`` (every node's combined LINE vector,
float32, unit length: a dot product is a cosine), ``order1.npy`` / ``order2.npy`` (each order's
unit vectors), ``graph.npz`` + ``nodes.json`` (the graph snapshot trained on: adjacency, node
kinds, keys, labels) and ``meta.json`` (parameters, samples, time, memory, the graph's counts and
the quality figures). ``<models_dir>/line/CURRENT`` names the version served.

Anything trained or served with an artifact records its ``version``; serving refuses a model that
recorded another one (see :func:`check_embedding_version`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from talent.embeddings.graph import KIND_CODE, NODE_KINDS, EntityGraph
from talent.embeddings.line import LineEmbeddings
from talent.errors import ModelUnavailable

ARTIFACT_FORMAT = 1


def line_models_dir(models_dir: Path) -> Path:
    return Path(models_dir) / "line"


def new_version() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")


@dataclass
class NodeSimilarity:
    """Nearest entities by the cosine of node vectors (LINE, or any other vectors)."""

    name: str
    version: str
    kinds: np.ndarray
    keys: list[str]
    labels: list[str]
    vectors: np.ndarray          # (n, D) float32, unit rows (zero rows: no vector)
    node_members: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {(int(k), key): i for i, (k, key) in enumerate(zip(self.kinds, self.keys))}
        self._by_kind = {kind: np.flatnonzero(self.kinds == code)
                         for kind, code in KIND_CODE.items()}
        # each kind's rows gathered once: a search's nearest() would otherwise copy them (3.7 MB
        # for the 1M world's skills) on every call
        self._kind_vectors = {kind: np.ascontiguousarray(self.vectors[rows])
                              for kind, rows in self._by_kind.items()}

    def node(self, kind: str, key: str) -> int | None:
        return self._index.get((KIND_CODE[kind], key))

    def nodes_of(self, kind: str) -> np.ndarray:
        return self._by_kind[kind]

    def similarity(self, a: int, b: int) -> float:
        return float(self.vectors[a] @ self.vectors[b])

    def nearest(self, nodes: list[int], kind: str, k: int,
                exclude: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, float]]:
        """The ``k`` nodes of ``kind`` most similar to the mean of ``nodes``' vectors (best
        first, ``nodes`` and ``exclude`` left out) with their cosine."""
        if not nodes or k <= 0:
            return []
        query = self.vectors[nodes].mean(axis=0)
        norm = float(np.linalg.norm(query))
        if norm == 0.0:
            return []
        candidates = self._by_kind[kind]
        sims = self._kind_vectors[kind] @ (query / norm)
        return _top(candidates, sims, k, set(nodes) | set(exclude))


def _top(candidates: np.ndarray, sims: np.ndarray, k: int,
         exclude: set[int]) -> list[tuple[int, float]]:
    want = min(len(candidates), k + len(exclude))
    if want <= 0:
        return []
    top = np.argpartition(-sims, want - 1)[:want] if want < len(sims) else np.arange(len(sims))
    top = top[np.lexsort((candidates[top], -sims[top]))]
    out = [(int(candidates[i]), float(sims[i])) for i in top if int(candidates[i]) not in exclude]
    return out[:k]


@dataclass
class EmbeddingArtifact(NodeSimilarity):
    """A trained LINE embedding loaded from its directory."""

    orders: dict[int, np.ndarray] = field(default_factory=dict)
    path: Path | None = None

    def order_similarity(self, order: int) -> NodeSimilarity:
        """The same nodes compared by one order's vectors alone."""
        return NodeSimilarity(f"line-order{order}", self.version, self.kinds, self.keys,
                              self.labels, self.orders[order], self.node_members, self.meta)


def save_artifact(models_dir: Path, graph: EntityGraph, embeddings: LineEmbeddings,
                  meta: dict[str, Any], *, make_current: bool = True,
                  version: str | None = None) -> Path:
    """Write the artifact of ``embeddings`` trained on ``graph`` as a new version; returns its
    directory."""
    version = version or new_version()
    root = line_models_dir(models_dir)
    path = root / version
    tmp = root / f".{version}.{os.getpid()}.tmp"
    tmp.mkdir(parents=True, exist_ok=False)
    np.save(tmp / "vectors.npy", embeddings.combined())
    for order, vectors in embeddings.vectors.items():
        np.save(tmp / f"order{order}.npy", vectors)
    graph.save(tmp)
    full = {"format": ARTIFACT_FORMAT, "version": version, "kind": "line",
            "orders": sorted(embeddings.vectors), "dimensions": int(embeddings.combined().shape[1]),
            "parameters": embeddings.config.as_dict(), "samples_per_order": embeddings.samples,
            "seconds_per_order": {str(k): round(v, 2) for k, v in embeddings.seconds.items()},
            "graph": graph.summary(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **meta}
    (tmp / "meta.json").write_text(json.dumps(full, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    if make_current:
        set_current(models_dir, version)
    return path


def set_current(models_dir: Path, version: str) -> None:
    root = line_models_dir(models_dir)
    if not (root / version / "meta.json").exists():
        raise ModelUnavailable(f"no embedding version {version} under {root}")
    tmp = root / f".CURRENT.{os.getpid()}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / "CURRENT")


def update_meta(path: Path, **values: Any) -> None:
    """Add figures (e.g. quality) to an artifact's ``meta.json``."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    meta.update(values)
    tmp = path / f".meta.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    os.replace(tmp, path / "meta.json")


def load_artifact(path: Path) -> EmbeddingArtifact:
    """The artifact in directory ``path``; a missing or corrupt one raises ``ModelUnavailable``."""
    path = Path(path)
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        nodes = json.loads((path / "nodes.json").read_text(encoding="utf-8"))
        vectors = np.load(path / "vectors.npy")
        orders = {int(o): np.load(path / f"order{int(o)}.npy") for o in meta.get("orders", ())}
        with np.load(path / "graph.npz") as z:
            kinds, node_members = z["kinds"], z["node_members"]
    except (FileNotFoundError, ValueError, KeyError, OSError) as exc:
        raise ModelUnavailable(f"embedding artifact {path} is missing or corrupt ({exc}): run "
                               "`talent train line`") from exc
    if meta.get("format") != ARTIFACT_FORMAT:
        raise ModelUnavailable(f"embedding artifact {path} has format {meta.get('format')}, this "
                               f"code reads {ARTIFACT_FORMAT}: run `talent train line`")
    keys, labels = list(nodes["keys"]), list(nodes["labels"])
    if not (len(keys) == len(labels) == len(kinds) == vectors.shape[0]):
        raise ModelUnavailable(f"embedding artifact {path} is corrupt (node counts differ): run "
                               "`talent train line`")
    return EmbeddingArtifact("line", str(meta["version"]), kinds, keys, labels,
                             vectors.astype(np.float32), node_members, meta, orders, path)


def current_version(models_dir: Path) -> str | None:
    pointer = line_models_dir(models_dir) / "CURRENT"
    if not pointer.exists():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def load_current_artifact(models_dir: Path) -> EmbeddingArtifact | None:
    """The artifact ``<models_dir>/line/CURRENT`` names, or None when there is none."""
    version = current_version(models_dir)
    if version is None:
        return None
    return load_artifact(line_models_dir(models_dir) / version)


def check_embedding_version(model_name: str, recorded: str | None, served: str | None) -> None:
    """Refuse to serve a model trained with other embeddings than the ones served."""
    if recorded != served:
        trained = f"embedding version {recorded}" if recorded else "no title embeddings"
        serving = f"version {served}" if served else "none"
        raise ModelUnavailable(
            f"{model_name} was trained with {trained} but the embeddings served are {serving}: "
            "retrain it (`talent train l1`) or serve the embeddings it was trained with "
            "(<home>/models/line/CURRENT)")


__all__ = ["NODE_KINDS", "EmbeddingArtifact", "NodeSimilarity", "check_embedding_version",
           "current_version", "line_models_dir", "load_artifact", "load_current_artifact",
           "save_artifact", "set_current", "update_meta"]
