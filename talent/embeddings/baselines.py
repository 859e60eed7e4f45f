"""The baselines LINE must beat, behind the same look-up as the embeddings (``node`` and
``nearest``):

- :class:`CooccurrenceCosine`: the cosine of two nodes' rows of the weighted adjacency matrix of
  the same entity graph (two titles are alike when the same skills, companies and titles
  co-occur with both, in the same proportions);
- :class:`TaxonomyRelated`: the taxonomy's own related-occupation lists (O*NET), most related
  first; titles only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from talent.embeddings.artifact import _top
from talent.embeddings.graph import KIND_CODE, EntityGraph
from talent.taxonomy.model import Taxonomy


@dataclass
class CooccurrenceCosine:
    """Nearest entities by the cosine of adjacency rows."""

    graph: EntityGraph
    name: str = "cooccurrence-cosine"
    version: str = ""
    _rows: sp.csr_matrix = field(init=False, repr=False)

    def __post_init__(self) -> None:
        a = self.graph.adjacency.tocsr().astype(np.float64)
        norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
        scale = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)
        self._rows = sp.diags(scale) @ a
        self._by_kind = {kind: self.graph.nodes_of(kind) for kind in KIND_CODE}
        self._kind_rows = {kind: self._rows[nodes] for kind, nodes in self._by_kind.items()}
        self.kinds, self.keys, self.labels = graph_nodes(self.graph)
        self.node_members = self.graph.node_members

    def node(self, kind: str, key: str) -> int | None:
        return self.graph.node(kind, key)

    def nodes_of(self, kind: str) -> np.ndarray:
        return self._by_kind[kind]

    def nearest(self, nodes: list[int], kind: str, k: int,
                exclude: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, float]]:
        if not nodes or k <= 0:
            return []
        query = np.asarray(self._rows[nodes].sum(axis=0)).ravel()
        norm = float(np.linalg.norm(query))
        if norm == 0.0:
            return []
        sims = np.asarray(self._kind_rows[kind] @ (query / norm)).ravel()
        return _top(self._by_kind[kind], sims, k, set(nodes) | set(exclude))

    def similarity_matrix(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine of every node of ``a`` with every node of ``b`` (dense)."""
        return np.asarray((self._rows[a] @ self._rows[b].T).todense())


@dataclass
class TaxonomyRelated:
    """The taxonomy's related occupations, restricted to the graph's occupation nodes; the
    similarity of the r-th related one (0-based) is ``1 - RANK_STEP * r`` (the lists have no
    scores, only an order)."""

    graph: EntityGraph
    taxonomy: Taxonomy
    name: str = "taxonomy-related"
    version: str = ""

    RANK_STEP = 0.05

    def __post_init__(self) -> None:
        self.kinds, self.keys, self.labels = graph_nodes(self.graph)
        self.node_members = self.graph.node_members

    def node(self, kind: str, key: str) -> int | None:
        return self.graph.node(kind, key)

    def nodes_of(self, kind: str) -> np.ndarray:
        return self.graph.nodes_of(kind)

    def nearest(self, nodes: list[int], kind: str, k: int,
                exclude: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, float]]:
        if kind != "occupation" or k <= 0:
            return []
        best: dict[int, float] = {}
        skip = set(nodes) | set(exclude)
        for node in nodes:
            if self.graph.kinds[node] != KIND_CODE["occupation"]:
                continue
            rank = 0
            for other in self.taxonomy.related.get(self.graph.keys[node], ()):
                found = self.graph.node("occupation", other)
                if found is None:
                    continue
                sim = max(1.0 - self.RANK_STEP * rank, self.RANK_STEP)
                rank += 1
                if found not in skip and sim > best.get(found, -1.0):
                    best[found] = sim
        ranked = sorted(best.items(), key=lambda p: (-p[1], p[0]))
        return ranked[:k]


def graph_nodes(graph: EntityGraph) -> tuple[np.ndarray, list[str], list[str]]:
    return graph.kinds, graph.keys, graph.labels
