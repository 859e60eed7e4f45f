"""LINE: Large-scale Information Network Embedding (Tang et al., WWW 2015), first and second order.

For an undirected weighted graph, each edge is two directed arcs. Training draws arcs in proportion
to their weight (an alias table), so every drawn arc counts as a binary edge, and for each one
``K`` negative nodes in proportion to their weighted degree ** 0.75 (another alias table). Per
order, stochastic gradient ascent on

- first order: ``log s(u_j . u_i) + sum_K log s(-u_n . u_i)`` (one vector per node);
- second order: ``log s(c_j . u_i) + sum_K log s(-c_n . u_i)`` (a vertex vector ``u`` and a
  context vector ``c`` per node: nodes with similar neighbourhoods end up close),

with the learning rate falling linearly from ``learning_rate`` to ~0 over the samples.

The entity graph is heterogeneous, and its kinds of edges differ in total weight by two orders of
magnitude (skill-skill edges hold ~46% of the demo world's weight, occupation-occupation edges, the
career moves, 0.4%). Sampling every arc in proportion to its weight (``edge_sampling="weight"``,
the paper's homogeneous recipe) spends almost no samples on the rare kinds. The default,
``"per-type"``, gives every pair of node kinds the same share of the samples and samples in
proportion to weight within a pair: PTE's joint training over bipartite networks (Tang, Qu and
Mei, KDD 2015), by the same authors, for graphs like this one. Negatives follow the sampled arcs'
degrees ** 0.75, so the noise matches what is sampled as positive. Steps are
vectorized minibatches: the gradients of one batch are summed per node, as hogwild SGD would
apply them, except that a node drawn more than :data:`MAX_DRAWS_PER_STEP` times in one batch
gets that many draws' worth (the mean times the cap): sequential updates would saturate the
sigmoid after a few, a sum of many computed at the same point overshoots (on small graphs it
diverges). A seed fixes every draw, so the same graph and config give the same vectors. Each
order's vectors are L2-normalized; :meth:`LineEmbeddings.combined` concatenates them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from talent.embeddings.alias import AliasTable

Progress = Callable[[int, int, int], None]  # (order, samples done, samples total)
#: Default samples per order: this many per directed arc, within the bounds below.
SAMPLES_PER_ARC = 20
#: (400M: at 1M members a 200M cap left 3.5 samples per arc and nearest titles at 0.7998
#: related @10; 400M gives 0.810 for 1.4x the training time, docs/expansion.md)
MIN_SAMPLES, MAX_SAMPLES = 2_000_000, 400_000_000
#: Most draws of one node a batch step applies in full (see the module docstring).
MAX_DRAWS_PER_STEP = 10
#: How arcs are drawn: in proportion to weight, or per pair of node kinds (see the docstring).
EDGE_SAMPLING = ("weight", "per-type")


@dataclass(frozen=True)
class LineConfig:
    """LINE's parameters (the paper's defaults where it has them)."""

    dim: int = 64                   # per order; the concatenation has dim x len(orders)
    negatives: int = 5              # K
    learning_rate: float = 0.025    # starting rate, decays linearly to ~0
    samples: int = 0                # per order; 0: SAMPLES_PER_ARC x arcs within the bounds
    batch_size: int = 1000          # arcs per vectorized step
    negative_power: float = 0.75
    orders: tuple[int, ...] = (1, 2)
    seed: int = 0
    edge_sampling: str = "per-type"

    def __post_init__(self) -> None:
        if not 8 <= self.dim <= 512:
            raise ValueError(f"dim must be within 8..512, got {self.dim}")
        if self.negatives < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("negatives, batch_size and learning_rate must be positive")
        if not self.orders or set(self.orders) - {1, 2}:
            raise ValueError(f"orders must be a non-empty subset of (1, 2), got {self.orders}")
        if self.edge_sampling not in EDGE_SAMPLING:
            raise ValueError(f"edge_sampling must be one of {EDGE_SAMPLING}, "
                             f"got {self.edge_sampling!r}")

    def samples_for(self, arcs: int) -> int:
        if self.samples > 0:
            return self.samples
        return int(min(max(SAMPLES_PER_ARC * arcs, MIN_SAMPLES), MAX_SAMPLES))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "orders": list(self.orders)}


@dataclass
class LineEmbeddings:
    """Trained vectors per order, each row L2-normalized (zero rows for isolated nodes)."""

    vectors: dict[int, np.ndarray]      # order -> (n, dim) float32
    config: LineConfig
    samples: int                        # per order
    seconds: dict[int, float] = field(default_factory=dict)
    #: order -> (vertex, context) as trained, before normalizing (only with ``keep_raw``):
    #: the model's own edge probability is ``sigmoid(vertex[i] . context[j])``
    raw: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: each node's weighted degree over the arcs as sampled (only with ``keep_raw``)
    degree: np.ndarray | None = None

    def combined(self, orders: tuple[int, ...] | None = None) -> np.ndarray:
        """The chosen orders' vectors concatenated and scaled so that a dot product of two rows
        is the mean of the orders' cosine similarities."""
        use = orders or tuple(sorted(self.vectors))
        parts = [self.vectors[o] for o in use]
        return (np.concatenate(parts, axis=1) / math.sqrt(len(parts))).astype(np.float32)


def sampling_weights(weight: np.ndarray, edge_types: np.ndarray | None,
                     mode: str) -> np.ndarray:
    """How often each edge is drawn: its weight (``"weight"``, or without ``edge_types``), or its
    weight over the total weight of its type, so every type gets the same share (``"per-type"``)."""
    if mode == "weight" or edge_types is None:
        return weight
    codes, inverse = np.unique(np.asarray(edge_types), return_inverse=True)
    totals = np.bincount(inverse, weights=weight, minlength=len(codes))
    return weight / totals[inverse]


def train_line(src: np.ndarray, dst: np.ndarray, weight: np.ndarray, n_nodes: int,
               config: LineConfig | None = None,
               progress: Progress | None = None, *,
               edge_types: np.ndarray | None = None,
               keep_raw: bool = False) -> LineEmbeddings:
    """LINE vectors of an undirected graph given as edges ``src[i] -- dst[i]`` of ``weight[i]``
    (each edge once). ``edge_types`` (a code per edge, e.g. the pair of its ends' kinds) lets
    ``config.edge_sampling="per-type"`` balance the kinds; ``keep_raw`` keeps the unnormalized
    vertex and context vectors (:attr:`LineEmbeddings.raw`)."""
    cfg = config or LineConfig()
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.float64)
    if not (len(src) == len(dst) == len(weight)) or len(src) == 0:
        raise ValueError("train_line needs at least one edge and equal-length edge arrays")
    if (weight <= 0).any():
        raise ValueError("edge weights must be positive")
    if edge_types is not None and len(edge_types) != len(src):
        raise ValueError("edge_types needs one code per edge")
    drawn = sampling_weights(weight, edge_types, cfg.edge_sampling)
    tail = np.concatenate([src, dst])
    head = np.concatenate([dst, src])
    w = np.concatenate([drawn, drawn])
    arcs = AliasTable.build(w)
    degree = np.bincount(tail, weights=w, minlength=n_nodes)
    negatives = AliasTable.build(degree ** cfg.negative_power)
    total = cfg.samples_for(len(w))
    vectors: dict[int, np.ndarray] = {}
    seconds: dict[int, float] = {}
    raw: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for order in cfg.orders:
        t0 = time.perf_counter()
        rng = np.random.default_rng([cfg.seed, order])
        vertex, context = _train_order(order, tail, head, arcs, negatives, n_nodes, total, cfg,
                                       rng, progress)
        vectors[order] = _normalized(vertex, degree > 0)
        if keep_raw:
            raw[order] = (vertex, context)
        del context
        seconds[order] = time.perf_counter() - t0
    return LineEmbeddings(vectors, cfg, total, seconds, raw, degree if keep_raw else None)


def _train_order(order: int, tail: np.ndarray, head: np.ndarray, arcs: AliasTable,
                 negatives: AliasTable, n: int, total: int, cfg: LineConfig,
                 rng: np.random.Generator,
                 progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    d, k, batch = cfg.dim, cfg.negatives, cfg.batch_size
    vertex = ((rng.random((n, d), dtype=np.float32) - 0.5) / d).astype(np.float32)
    # second order: separate context vectors starting at zero (as the reference code);
    # first order: a node's context is its own vector
    context = np.zeros((n, d), dtype=np.float32) if order == 2 else vertex
    label = np.zeros((1, k + 1), dtype=np.float32)
    label[0, 0] = 1.0
    steps = max(1, math.ceil(total / batch))
    report_every = max(1, steps // 100)
    for step in range(steps):
        lr = np.float32(cfg.learning_rate * max(1.0 - step / steps, 1e-4))
        arc = arcs.sample(rng, batch)
        u = tail[arc]
        targets = np.concatenate([head[arc][:, None],
                                  negatives.sample(rng, batch * k).reshape(batch, k)], axis=1)
        U = vertex[u]                                   # (B, d)
        C = context[targets]                            # (B, K+1, d)
        score = np.matmul(C, U[:, :, None])[:, :, 0]    # (B, K+1)
        g = (label - _sigmoid(score)) * lr              # ascent step per (arc, target)
        grad_u = np.matmul(g[:, None, :], C)[:, 0, :]   # (B, d)
        grad_c = g[:, :, None] * U[:, None, :]          # (B, K+1, d)
        _scatter_add(context, targets.ravel(), grad_c.reshape(-1, d))
        _scatter_add(vertex, u, grad_u)
        if progress is not None and (step % report_every == 0 or step == steps - 1):
            progress(order, min((step + 1) * batch, total), total)
    return vertex, context


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (0.5 * (1.0 + np.tanh(0.5 * x))).astype(np.float32)


def _scatter_add(target: np.ndarray, rows: np.ndarray, values: np.ndarray,
                 cap: int = MAX_DRAWS_PER_STEP) -> None:
    """``target[rows[i]] += values[i]`` with repeated rows summed, a row repeated more than
    ``cap`` times scaled to ``cap`` repeats' worth (a sparse product: one pass)."""
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    indptr = np.r_[first, len(rows)]
    counts = np.diff(indptr)
    scale = np.minimum(1.0, cap / counts).astype(np.float32)
    summer = sp.csr_matrix((np.repeat(scale, counts), order, indptr),
                           shape=(len(first), len(rows)))
    target[ordered[first]] += summer @ values


def _normalized(vectors: np.ndarray, present: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out = np.where(norms > 0, vectors / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
    out[~present] = 0.0
    return out
