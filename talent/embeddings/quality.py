"""Quality figures of title similarity: nearest-title agreement with O*NET, link prediction.

- :func:`nearest_title_quality`: for every occupation held by enough members, the share of its
  ``k`` nearest occupations that are the same or a related occupation in the taxonomy (O*NET's
  related-occupation lists, either direction), and as a second judge the share in the same SOC
  minor group. The taxonomy baseline scores 100 % on the first judge by construction (its lists
  ARE the judge) wherever it has ``k`` related occupations in the world; its coverage is the
  figure to read.
- :func:`raw_title_quality`: the same for frequent raw titles (the way in for a query title the
  taxonomy cannot standardize), judged by the occupation most of their members hold.
- :func:`link_prediction`: hold out a share of the edges, train on the rest, and rank held-out
  edges against node pairs that are not edges (AUC), for first order, second order, both, and the
  co-occurrence cosine of the training graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from talent.embeddings.graph import KIND_CODE, EntityGraph
from talent.embeddings.line import LineConfig, LineEmbeddings, train_line
from talent.taxonomy.model import Taxonomy


class Similar(Protocol):
    name: str

    def node(self, kind: str, key: str) -> int | None: ...

    def nearest(self, nodes: list[int], kind: str, k: int,
                exclude: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, float]]: ...


@dataclass(frozen=True)
class TitleQuality:
    """Agreement of a similarity's nearest titles with the taxonomy."""

    source: str
    queries: int                 # query titles evaluated
    k: int
    related_share: float         # neighbours that are the same/related occupation / neighbours
    related_at_k: float          # the same over k slots a query (a missing neighbour: a miss)
    same_minor_group: float      # neighbours in the query's SOC minor group / neighbours
    full_lists: float            # share of queries that got k neighbours

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def related_sets(taxonomy: Taxonomy) -> dict[str, set[str]]:
    """Occupation -> the occupations related to it in either direction."""
    out: dict[str, set[str]] = {}
    for occ, others in taxonomy.related.items():
        for other in others:
            if other != occ:
                out.setdefault(occ, set()).add(other)
                out.setdefault(other, set()).add(occ)
    return out


def minor_group(occupation_id: str) -> str:
    """SOC minor group of an occupation id: ``15-1252.00`` -> ``15-1``."""
    return occupation_id[:4]


def title_queries(graph: EntityGraph, taxonomy: Taxonomy, min_members: int) -> list[int]:
    """Occupation nodes held by at least ``min_members`` members with at least one related
    occupation among the graph's occupations (else no neighbour could count)."""
    related = related_sets(taxonomy)
    present = {graph.keys[i] for i in graph.nodes_of("occupation")}
    return [int(i) for i in graph.nodes_of("occupation")
            if graph.node_members[i] >= min_members
            and related.get(graph.keys[i], set()) & present]


def nearest_title_quality(source: Similar, graph: EntityGraph, taxonomy: Taxonomy, *,
                          k: int = 10, min_members: int = 20,
                          queries: list[int] | None = None) -> TitleQuality:
    """How many of each occupation's ``k`` nearest occupations the taxonomy calls related."""
    related = related_sets(taxonomy)
    queries = title_queries(graph, taxonomy, min_members) if queries is None else queries
    hits = in_group = returned = full = 0
    for q in queries:
        occ = graph.keys[q]
        neighbours = [graph.keys[n] for n, _ in source.nearest([q], "occupation", k)]
        returned += len(neighbours)
        full += len(neighbours) >= k
        hits += sum(n == occ or n in related.get(occ, ()) for n in neighbours)
        in_group += sum(minor_group(n) == minor_group(occ) for n in neighbours)
    n = max(len(queries), 1)
    return TitleQuality(source.name, len(queries), k, hits / max(returned, 1), hits / (n * k),
                        in_group / max(returned, 1), full / n)


def majority_occupation(graph: EntityGraph, nodes: Iterable[int]) -> dict[int, str]:
    """Raw-title node -> the occupation it co-occurs with most (what most of its members are)."""
    occ_nodes = graph.nodes_of("occupation")
    sub = graph.adjacency[list(nodes)][:, occ_nodes]
    out: dict[int, str] = {}
    for row, node in enumerate(nodes):
        weights = sub.getrow(row)
        if weights.nnz:
            out[node] = graph.keys[int(occ_nodes[weights.indices[np.argmax(weights.data)]])]
    return out


def raw_title_quality(source: Similar, graph: EntityGraph, taxonomy: Taxonomy, *, k: int = 10,
                      min_members: int = 20) -> TitleQuality:
    """For raw titles held by ``min_members`` members: the share of their ``k`` nearest
    occupations that are their members' majority occupation or related to it."""
    related = related_sets(taxonomy)
    nodes = [int(i) for i in graph.nodes_of("title") if graph.node_members[i] >= min_members]
    majority = majority_occupation(graph, nodes)
    hits = in_group = returned = full = 0
    for q in nodes:
        occ = majority.get(q)
        if occ is None:
            continue
        neighbours = [graph.keys[n] for n, _ in source.nearest([q], "occupation", k)]
        returned += len(neighbours)
        full += len(neighbours) >= k
        hits += sum(n == occ or n in related.get(occ, ()) for n in neighbours)
        in_group += sum(minor_group(n) == minor_group(occ) for n in neighbours)
    n = max(len(majority), 1)
    return TitleQuality(source.name, len(majority), k, hits / max(returned, 1), hits / (n * k),
                        in_group / max(returned, 1), full / n)


# --- link prediction -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LinkPrediction:
    held_out_edges: int
    negatives: str
    auc: dict[str, float]        # scorer -> AUC
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_edges(graph: EntityGraph, holdout: float, seed: int
                ) -> tuple[EntityGraph, np.ndarray, np.ndarray]:
    """``(training graph, held-out sources, held-out targets)``: a random ``holdout`` share of the
    edges removed, keeping only held-out edges whose ends still have an edge."""
    src, dst, _ = graph.edges()
    rng = np.random.default_rng(seed)
    out = rng.random(len(src)) < holdout
    train = graph.without_edges(src[out], dst[out])
    deg = np.diff(train.adjacency.indptr)
    keep = (deg[src[out]] > 0) & (deg[dst[out]] > 0)
    return train, src[out][keep], dst[out][keep]


def non_edges(graph: EntityGraph, sources: np.ndarray, count: int, mode: str,
              rng: np.random.Generator, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``count`` node pairs that are not edges of ``graph``: both ends uniform over ``eligible``
    nodes (``mode="uniform"``), or the held-out sources paired with nodes drawn in proportion to
    their degree (``"degree"``: the harder test, degree alone does not tell them apart)."""
    a_adj = graph.adjacency
    existing = np.asarray(a_adj.indptr)
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    got = 0
    degree = graph.degree()[eligible]
    p = degree / degree.sum()
    while got < count:
        m = (count - got) * 2 + 16
        if mode == "uniform":
            a, b = rng.choice(eligible, m), rng.choice(eligible, m)
        else:
            a, b = rng.choice(sources, m), eligible[rng.choice(len(eligible), m, p=p)]
        ok = a != b
        # an edge of the full graph is not a negative
        for i in np.flatnonzero(ok):
            row = a_adj.indices[existing[a[i]]:existing[a[i] + 1]]
            if b[i] in row:
                ok[i] = False
        a, b = a[ok][: count - got], b[ok][: count - got]
        out_a.append(a)
        out_b.append(b)
        got += len(a)
    return np.concatenate(out_a), np.concatenate(out_b)


def edge_scores(embeddings: LineEmbeddings, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Scores of node pairs ``a[i] -- b[i]`` from trained LINE vectors: the cosine of the served
    (normalized) vectors per order and concatenated, and, where the raw vectors were kept, the
    model's own inner product (association) and log-probability of the edge.

    Negative sampling fits ``x = u_i . c_j`` to ``log P(i, j) / (P(i) K Pn(j))`` (a shifted PMI:
    Levy and Goldberg 2014), with ``P(i)`` the sampled degree and ``Pn(j)`` the degree ** 0.75 the
    negatives are drawn by, so ``log P(i, j) = x + log d_i + 0.75 log d_j + const``: averaged
    over both directions per order, summed over the orders. The inner product alone leaves the
    degrees out: it measures association (the fair score against degree-matched negatives), not
    how likely the edge is."""
    def rowdot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", x, y, dtype=np.float64)

    out: dict[str, np.ndarray] = {}
    for order, name in ((1, "first order"), (2, "second order")):
        if order in embeddings.vectors:
            out[f"{name}, cosine"] = rowdot(embeddings.vectors[order][a],
                                            embeddings.vectors[order][b])
    combined = embeddings.combined()
    out["first + second, cosine"] = rowdot(combined[a], combined[b])
    if embeddings.degree is None:
        return out
    log_d = np.log(np.maximum(embeddings.degree, 1e-12))
    prior = (1.0 + embeddings.config.negative_power) / 2 * (log_d[a] + log_d[b])
    inner: list[np.ndarray] = []
    for order, name in ((1, "first order"), (2, "second order")):
        if order not in embeddings.raw:
            continue
        vertex, context = embeddings.raw[order]
        x = 0.5 * (rowdot(vertex[a], context[b]) + rowdot(vertex[b], context[a]))
        out[f"{name}, inner product"] = x
        out[f"{name}, edge probability"] = x + prior
        inner.append(x)
    if len(inner) == 2:
        out["first + second, inner product"] = inner[0] + inner[1]
        out["first + second, edge probability"] = inner[0] + inner[1] + 2 * prior
    return out


def pair_cosines(rows: Any, a: np.ndarray, b: np.ndarray, chunk: int = 10_000) -> np.ndarray:
    """``rows[a[i]] . rows[b[i]]`` of a sparse matrix with unit rows, ``chunk`` pairs at a time
    (gathering all pairs' rows at once took more than 24 GB on the 1M world's graph, whose skill
    rows each hold thousands of entries)."""
    out = np.empty(len(a), dtype=np.float64)
    for start in range(0, len(a), chunk):
        sl = slice(start, start + chunk)
        out[sl] = np.asarray(rows[a[sl]].multiply(rows[b[sl]]).sum(axis=1)).ravel()
    return out


def link_prediction(graph: EntityGraph, config: LineConfig, *, holdout: float = 0.1,
                    seed: int = 0, max_pairs: int = 200_000) -> list[LinkPrediction]:
    """AUC of held-out edges against non-edges, with uniform and degree-matched negatives, for
    LINE's scores (:func:`edge_scores`) and two baselines on the training graph: the
    co-occurrence cosine and the product of the ends' degrees (preferential attachment: what
    uniform negatives reward, since most random pairs join rare nodes)."""
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

    from talent.embeddings.baselines import CooccurrenceCosine

    t0 = time.perf_counter()
    full_edges = graph
    train, pos_a, pos_b = split_edges(graph, holdout, seed)
    rng = np.random.default_rng(seed + 1)
    if len(pos_a) > max_pairs:
        pick = rng.choice(len(pos_a), max_pairs, replace=False)
        pos_a, pos_b = pos_a[pick], pos_b[pick]
    src, dst, w = train.edges()
    emb = train_line(src, dst, w, train.n_nodes, config, edge_types=train.edge_types(src, dst),
                     keep_raw=True)
    cooc = CooccurrenceCosine(train)
    log_degree = np.log1p(train.degree())
    eligible = np.flatnonzero(np.diff(train.adjacency.indptr) > 0)
    results = []
    seconds = time.perf_counter() - t0
    for mode in ("uniform", "degree"):
        neg_a, neg_b = non_edges(full_edges, pos_a, len(pos_a), mode, rng, eligible)
        a = np.r_[pos_a, neg_a]
        b = np.r_[pos_b, neg_b]
        y = np.r_[np.ones(len(pos_a)), np.zeros(len(neg_a))]
        scores = edge_scores(emb, a, b)
        scores["co-occurrence cosine"] = pair_cosines(cooc._rows, a, b)
        scores["degree product"] = log_degree[a] + log_degree[b]
        auc = {name: round(float(roc_auc_score(y, s)), 4) for name, s in scores.items()}
        results.append(LinkPrediction(int(len(pos_a)), mode, auc, round(seconds, 2)))
    return results


__all__ = ["KIND_CODE", "LinkPrediction", "TitleQuality", "edge_scores", "link_prediction",
           "nearest_title_quality", "raw_title_quality", "related_sets"]
