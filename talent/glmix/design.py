"""The GLMix design: which columns x holds, their standardization and the leaf one-hot map."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class DesignSpec:
    """Columns of x: ``dense_names`` (standardized with ``mean``/``scale``), then one column per
    (tree, leaf) seen in training (``leaf_columns[tree, leaf]``, -1 for a leaf never seen)."""

    dense_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    leaf_columns: np.ndarray  # (trees, max leaf id + 1) int32; (0, 0) when leaves are not used

    @classmethod
    def fit(cls, names: tuple[str, ...], dense: np.ndarray,
            leaves: np.ndarray | None) -> DesignSpec:
        """Standardization from the training rows; a column for every leaf they reach."""
        dense = np.asarray(dense, np.float64)
        mean = dense.mean(axis=0) if len(dense) else np.zeros(dense.shape[1])
        scale = dense.std(axis=0) if len(dense) else np.ones(dense.shape[1])
        scale = np.where(scale > 1e-9, scale, 1.0)
        table = np.zeros((0, 0), np.int32)
        if leaves is not None and leaves.size:
            leaves = np.asarray(leaves, np.int64)
            trees = leaves.shape[1]
            table = np.full((trees, int(leaves.max()) + 1), -1, np.int32)
            seen = np.zeros(table.shape, bool)
            seen[np.repeat(np.arange(trees)[None, :], len(leaves), 0), leaves] = True
            table[seen] = np.arange(int(seen.sum()), dtype=np.int32)
        return cls(tuple(names), mean, scale, table)

    @property
    def uses_leaves(self) -> bool:
        return self.leaf_columns.size > 0

    @property
    def n_leaf_columns(self) -> int:
        return int(self.leaf_columns.max()) + 1 if self.uses_leaves else 0

    @property
    def n_dense(self) -> int:
        return len(self.dense_names)

    @property
    def n_columns(self) -> int:
        return self.n_dense + self.n_leaf_columns

    def dense(self, raw: np.ndarray) -> np.ndarray:
        """Standardized dense columns ``(n, n_dense)`` float64."""
        return (np.asarray(raw, np.float64) - self.mean) / self.scale

    def leaf_matrix(self, leaves: np.ndarray) -> sp.csr_matrix:
        """One-hot leaves ``(n, n_leaf_columns)``: one 1 per tree whose leaf training saw."""
        leaves = np.asarray(leaves, np.int64)
        n, trees = leaves.shape
        if trees != self.leaf_columns.shape[0]:
            raise ValueError(f"{trees} trees given, the design has {self.leaf_columns.shape[0]}")
        inside = leaves < self.leaf_columns.shape[1]
        cols = np.where(inside, self.leaf_columns[np.arange(trees)[None, :],
                                                  np.minimum(leaves,
                                                             self.leaf_columns.shape[1] - 1)], -1)
        keep = cols >= 0
        indptr = np.r_[0, np.cumsum(keep.sum(axis=1))]
        return sp.csr_matrix((np.ones(int(indptr[-1])), cols[keep].astype(np.int32), indptr),
                             shape=(n, self.n_leaf_columns))

    def global_matrix(self, dense: np.ndarray, leaves: np.ndarray | None) -> sp.csr_matrix:
        """x of every row: the standardized dense block, then the leaves (CSR float64)."""
        blocks = [sp.csr_matrix(dense)]
        if self.uses_leaves:
            if leaves is None:
                raise ValueError("this design needs the L1 trees' leaves")
            blocks.append(self.leaf_matrix(leaves))
        return sp.hstack(blocks, format="csr")


#: Prefix of a search-context column: the mean of an L1 feature over the search's list.
CONTEXT_PREFIX = "ctx_"


def context_columns(features: np.ndarray, rows: int) -> np.ndarray:
    """Each row's search context: the mean of every feature over the list's first ``rows``
    candidates (the list as L2 receives it), the same for every row.

    With these beside the features, a linear model separates what a feature does within one
    search (which candidate to put first) from what its level says about the search (how many
    accepts it will get); without them the between-search part leaks into the order and
    re-ranks lists worse than the L1 model alone (docs/l2.md)."""
    features = np.asarray(features, np.float64)
    if len(features) == 0:
        return np.zeros_like(features)
    mean = features[: max(1, rows)].mean(axis=0)
    return np.broadcast_to(mean, features.shape).copy()


def entity_design(spec: DesignSpec, raw: np.ndarray, names: tuple[str, ...],
                  centered: bool) -> np.ndarray:
    """z of the random effects: the standardized columns ``names`` of the raw dense block, each
    minus its search context when ``centered`` (an entity's slope then says what it prefers
    among one search's candidates, not how its searches differ)."""
    raw = np.asarray(raw, np.float64)
    cols = [spec.dense_names.index(n) for n in names]
    centre = (raw[:, [spec.dense_names.index(CONTEXT_PREFIX + n) for n in names]] if centered
              else spec.mean[cols])
    return (raw[:, cols] - centre) / spec.scale[cols]
