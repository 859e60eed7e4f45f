"""Skill groups: a candidate pool clustered into intent groups by the members' skills.

Each member is a binary skill vector, weighted by the skill's inverse frequency in the pool (a
skill everyone in the pool holds says nothing about intent) and L2-normalized; a truncated SVD
(LSA) keeps the main directions, and k-means (scikit-learn) splits the pool. ``k`` is a setting,
or chosen by the cosine silhouette over a range. A group is named by its distinctive skills:
those much more common in the group than in the pool (share in the group minus share in the
pool, among skills at least a quarter of the group holds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

#: Dimensions the SVD keeps (fewer when the pool has fewer distinct skills).
SVD_DIMENSIONS = 24
#: Skills a group's name lists.
NAME_SKILLS = 3
#: A skill names a group only when at least this share of the group holds it.
NAME_MIN_SHARE = 0.25


@dataclass(frozen=True)
class SkillGroups:
    """The pool's groups: one label per member, each group's name skills, how k was chosen."""

    labels: np.ndarray                  # int, group of each pool member
    names: list[list[int]]              # per group: columns of its distinctive skills, best first
    k: int
    silhouette: float | None            # of the chosen k (None: k was set, or only one group)

    @property
    def sizes(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=self.k)


def skill_vectors(skills: sp.csr_matrix) -> sp.csr_matrix:
    """Rows of ``skills`` (members x skills, nonzero = held) as idf-weighted unit vectors; the idf
    is the pool's: ``log((1 + n) / (1 + df)) + 1``."""
    held = (sp.csr_matrix(skills) != 0).astype(np.float64)
    n = held.shape[0]
    df = np.asarray(held.sum(axis=0)).ravel()
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return normalize(sp.csr_matrix(held @ sp.diags(idf)), norm="l2", axis=1)


def cluster_skills(skills: sp.csr_matrix, *, k: int | None = None,
                   k_range: tuple[int, int] = (2, 8), seed: int = 0) -> SkillGroups:
    """Cluster pool members (rows of ``skills``) into skill groups.

    ``k`` fixes the number of groups; without it the k in ``k_range`` (inclusive) with the best
    cosine silhouette wins. Pools too small to split (fewer than 4 members, or fewer distinct
    skill vectors than 2) are one group. Runs on one BLAS/OpenMP thread: on pools this small,
    thread start-up costs several times the work (measured 8x on 2 cores).
    """
    with threadpool_limits(limits=1):
        return _cluster(skills, k, k_range, seed)


def _cluster(skills: sp.csr_matrix, k: int | None, k_range: tuple[int, int],
             seed: int) -> SkillGroups:
    n = skills.shape[0]
    vectors = skill_vectors(skills)
    distinct = len({tuple(row.indices) for row in vectors}) if n <= 5000 else n
    if n < 4 or distinct < 2 or vectors.shape[1] < 2:
        labels = np.zeros(n, dtype=np.int64)
        return SkillGroups(labels, name_groups(skills, labels, 1), 1, None)
    dims = min(SVD_DIMENSIONS, vectors.shape[1] - 1, n - 1)
    reduced = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(vectors))
    if k is not None:
        k = max(1, min(int(k), distinct))
        labels = _kmeans(reduced, k, seed)
        return SkillGroups(labels, name_groups(skills, labels, k), k, None)
    lo, hi = max(2, k_range[0]), max(2, min(k_range[1], distinct, n - 1))
    best: tuple[float, int, np.ndarray] | None = None
    for candidate in range(lo, hi + 1):
        labels = _kmeans(reduced, candidate, seed)
        if len(np.unique(labels)) < 2:
            continue
        score = float(silhouette_score(reduced, labels, metric="cosine"))
        if best is None or score > best[0] + 1e-9:
            best = (score, candidate, labels)
    if best is None:
        labels = np.zeros(n, dtype=np.int64)
        return SkillGroups(labels, name_groups(skills, labels, 1), 1, None)
    score, chosen, labels = best
    return SkillGroups(labels, name_groups(skills, labels, chosen), chosen, score)


def _kmeans(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k-means labels, renumbered so that group 0 is the largest (ties: first seen)."""
    labels = KMeans(k, n_init=4, random_state=seed).fit_predict(points)
    sizes = np.bincount(labels, minlength=k)
    first = np.array([np.flatnonzero(labels == g)[0] if sizes[g] else len(labels)
                      for g in range(k)])
    order = np.lexsort((first, -sizes))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels].astype(np.int64)


def name_groups(skills: sp.csr_matrix, labels: np.ndarray, k: int,
                top: int = NAME_SKILLS) -> list[list[int]]:
    """Per group, the columns of its most distinctive skills (share in the group minus share in
    the pool, among skills held by at least :data:`NAME_MIN_SHARE` of the group), best first; a
    group with none falls back to its most common skills."""
    held = (sp.csr_matrix(skills) != 0).astype(np.float64)
    pool_share = np.asarray(held.mean(axis=0)).ravel()
    names: list[list[int]] = []
    for g in range(k):
        rows = np.flatnonzero(labels == g)
        if rows.size == 0:
            names.append([])
            continue
        share = np.asarray(held[rows].mean(axis=0)).ravel()
        lift = np.where(share >= NAME_MIN_SHARE, share - pool_share, -np.inf)
        order = np.lexsort((np.arange(len(share)), -share, -lift))
        chosen = [int(c) for c in order[:top] if np.isfinite(lift[c])]
        if not chosen:
            chosen = [int(c) for c in np.argsort(-share, kind="stable")[:top] if share[c] > 0]
        names.append(chosen)
    return names
