"""The entity graph LINE learns from: titles, skills and companies linked by the members who hold
both.

Nodes are entities of four kinds (:data:`NODE_KINDS`): standardized occupations, frequent raw
titles (normalized: seniority words and level markers stripped, abbreviations expanded,
singular), skills and companies. A member *holds* an entity when their profile lists it: the
occupation or company of any position (current and past), the raw title of any position, any
skill. The weight of the edge between two entities is the number of members holding both (the
LinkedIn Economic Graph recipe of the Recruiter paper), computed as ``M.T @ M`` over the sparse
member x entity incidence matrix ``M``, in chunks of members to bound the memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from talent.query.standardize import expand, singular, strip_seniority
from talent.taxonomy.model import normalize

NODE_KINDS: tuple[str, ...] = ("occupation", "title", "skill", "company")
KIND_CODE = {k: i for i, k in enumerate(NODE_KINDS)}
#: Members whose incidence rows are multiplied at once (bounds the product's working memory).
CHUNK_MEMBERS = 100_000


def title_key(text: str) -> str:
    """The raw-title node a title text belongs to: ``"Sr. Software Engineers II"`` ->
    ``"software engineer"`` (normalized, abbreviations expanded, seniority and level dropped,
    singular); ``""`` when nothing is left."""
    tokens = expand(normalize(text).split())
    rest, _, _ = strip_seniority(tokens)
    return " ".join(singular(rest))


@dataclass
class EntityGraph:
    """A weighted undirected graph over entities (symmetric CSR adjacency, no self loops)."""

    kinds: np.ndarray            # int8 per node: index into NODE_KINDS
    keys: list[str]              # occupation id, raw-title key, skill id, company id
    labels: list[str]            # what a recruiter reads
    adjacency: sp.csr_matrix     # float32 (n, n), symmetric, weight = members holding both
    members: int = 0             # members whose profiles were counted
    node_members: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index: dict[tuple[int, str], int] = {(int(k), key): i for i, (k, key)
                                                    in enumerate(zip(self.kinds, self.keys))}

    @property
    def n_nodes(self) -> int:
        return len(self.keys)

    @property
    def n_edges(self) -> int:
        """Undirected edges."""
        return int(self.adjacency.nnz // 2)

    def node(self, kind: str, key: str) -> int | None:
        """The node of entity ``key`` of ``kind``, or None when the graph lacks it."""
        return self._index.get((KIND_CODE[kind], key))

    def nodes_of(self, kind: str) -> np.ndarray:
        return np.flatnonzero(self.kinds == KIND_CODE[kind])

    def degree(self) -> np.ndarray:
        """Weighted degree of every node."""
        return np.asarray(self.adjacency.sum(axis=1)).ravel()

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each undirected edge once: ``(source, target, weight)`` with source < target."""
        upper = sp.triu(self.adjacency, k=1).tocoo()
        return (upper.row.astype(np.int64), upper.col.astype(np.int64),
                upper.data.astype(np.float64))

    def edge_types(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """The kind pair of each edge as a code (the same for ``a -- b`` and ``b -- a``)."""
        a, b = self.kinds[src].astype(np.int64), self.kinds[dst].astype(np.int64)
        return np.minimum(a, b) * len(NODE_KINDS) + np.maximum(a, b)

    def without_edges(self, src: np.ndarray, dst: np.ndarray) -> EntityGraph:
        """The same nodes with the given undirected edges removed (held out)."""
        n = self.n_nodes
        drop = sp.csr_matrix((np.ones(2 * len(src), np.float32),
                              (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
        kept = self.adjacency - self.adjacency.multiply(drop > 0)
        kept.eliminate_zeros()
        return EntityGraph(self.kinds, self.keys, self.labels, kept.tocsr(), self.members,
                           self.node_members, dict(self.meta))

    def summary(self) -> dict[str, Any]:
        """Counts for the artifact's metadata."""
        return {"nodes": self.n_nodes, "edges": self.n_edges, "members": self.members,
                "nodes_by_kind": {k: int((self.kinds == i).sum())
                                  for i, k in enumerate(NODE_KINDS)},
                "total_weight": float(self.adjacency.sum() / 2), **self.meta}

    # files ------------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """``graph.npz`` (adjacency, kinds, member counts) and ``nodes.json`` (keys, labels)."""
        directory.mkdir(parents=True, exist_ok=True)
        a = self.adjacency.tocsr()
        np.savez_compressed(directory / "graph.npz", indptr=a.indptr, indices=a.indices,
                            data=a.data, kinds=self.kinds, node_members=self.node_members,
                            members=np.int64(self.members))
        (directory / "nodes.json").write_text(
            json.dumps({"keys": self.keys, "labels": self.labels, "meta": self.meta}),
            encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> EntityGraph:
        nodes = json.loads((directory / "nodes.json").read_text(encoding="utf-8"))
        with np.load(directory / "graph.npz") as z:
            n = len(nodes["keys"])
            adjacency = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n))
            return cls(z["kinds"], list(nodes["keys"]), list(nodes["labels"]), adjacency,
                       int(z["members"]), z["node_members"], dict(nodes.get("meta", {})))


@dataclass
class IncidenceBuilder:
    """Collects (member row, entity) pairs kind by kind, then makes the graph."""

    members: int
    kinds: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)

    def add_kind(self, kind: str, keys: Sequence[str], labels: Sequence[str],
                 member_rows: np.ndarray, entity: np.ndarray, *, min_members: int = 1) -> int:
        """Entities ``keys`` of ``kind`` held by members: pair ``i`` says member row
        ``member_rows[i]`` holds entity ``entity[i]`` (an index into ``keys``; negative: none).
        Entities held by fewer than ``min_members`` distinct members are left out. Returns how
        many entities were kept."""
        rows = np.asarray(member_rows, dtype=np.int64)
        ent = np.asarray(entity, dtype=np.int64)
        ok = (ent >= 0) & (ent < len(keys))
        rows, ent = rows[ok], ent[ok]
        pairs = np.unique(rows * len(keys) + ent) if len(rows) else np.zeros(0, np.int64)
        rows, ent = pairs // max(len(keys), 1), pairs % max(len(keys), 1)
        counts = np.bincount(ent, minlength=len(keys))
        kept = np.flatnonzero(counts >= max(min_members, 1))
        new_id = np.full(len(keys), -1, dtype=np.int64)
        new_id[kept] = len(self.keys) + np.arange(len(kept))
        self.kinds.extend([KIND_CODE[kind]] * len(kept))
        self.keys.extend(str(keys[i]) for i in kept)
        self.labels.extend(str(labels[i]) for i in kept)
        held = new_id[ent] >= 0
        self._rows.append(rows[held])
        self._cols.append(new_id[ent[held]])
        return len(kept)

    def incidence(self) -> sp.csr_matrix:
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int64)
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, np.int64)
        return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                             shape=(self.members, len(self.keys)))

    def graph(self, *, min_weight: float = 1.0, meta: dict[str, Any] | None = None) -> EntityGraph:
        """The co-occurrence graph: weight = members holding both ends; edges lighter than
        ``min_weight`` dropped."""
        M = self.incidence()
        n = M.shape[1]
        A = sp.csr_matrix((n, n), dtype=np.float32)
        for start in range(0, M.shape[0], CHUNK_MEMBERS):
            part = M[start:start + CHUNK_MEMBERS]
            A = A + (part.T @ part).tocsr()
        A.setdiag(0)
        if min_weight > 1:
            A.data[A.data < min_weight] = 0
        A.eliminate_zeros()
        node_members = np.asarray(M.sum(axis=0)).ravel().astype(np.int64)
        return EntityGraph(np.asarray(self.kinds, dtype=np.int8), list(self.keys),
                           list(self.labels), A.astype(np.float32).tocsr(), self.members,
                           node_members, {"min_edge_weight": min_weight, **(meta or {})})
