"""Representative re-ranking (Geyik, Ambler, Kenthapadi, KDD 2019): reorder a ranked list so
that every prefix holds each group close to a desired share.

For groups ``i`` with desired shares ``p_i`` (summing to 1), a ranking is *feasible* at prefix
``k`` when every group holds at least ``floor(p_i k)`` of its first ``k`` places (the minimum),
and the algorithms also keep each group at most at ``ceil(p_i k)`` (the maximum) while they can.
Groups are small integer codes; a list arrives best first and its order is the only score the
algorithms read (an earlier place is a better candidate), so they reorder and never add or drop.

- ``detgreedy`` (what LinkedIn shipped): at each place, the best next candidate among the groups
  below their minimum, else among the groups below their maximum.
- ``detcons``: as DetGreedy, but among the groups below their maximum, the group whose next
  place comes due soonest, ``argmin ceil(p_i k) / p_i`` (public ports take the argmax).
- ``detrelaxed``: the groups with the smallest ``ceil(ceil(p_i k) / p_i)``, then the best next
  candidate among them.
- ``detconstsort``: insert a group's next candidate whenever its minimum rises, then let it
  bubble up past worse candidates whose own deadline allows them to move down one place. With
  0-based places the bound is ``max_index[s - 1] >= s + 1`` (copying the paper's 1-based
  ``>= s`` moves a candidate one place past its deadline and breaks minimums).

A group that runs out of candidates is skipped; what no rule places (groups with share 0, or the
places after ``k_max``) follows in the input order.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import numpy as np

Algorithm = Literal["detgreedy", "detcons", "detrelaxed", "detconstsort"]
ALGORITHMS: tuple[str, ...] = get_args(Algorithm)

#: ``k * p`` is an integer up to rounding (``p`` from counts): floors and ceilings allow this.
_EPS = 1e-9


def desired_shares(counts: np.ndarray) -> np.ndarray:
    """Counts per group -> shares summing to 1 (all zero when there is nothing to count)."""
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 1 or (c < 0).any():
        raise ValueError("group counts must be a 1-d array of non-negative numbers")
    total = c.sum()
    return c / total if total > 0 else np.zeros_like(c)


def _check(groups: np.ndarray, desired: np.ndarray) -> tuple[list[int], list[float]]:
    g = np.asarray(groups)
    p = np.asarray(desired, dtype=np.float64)
    if g.ndim != 1 or p.ndim != 1:
        raise ValueError("groups and desired shares must be 1-d arrays")
    if len(g) and (g.min() < 0 or g.max() >= len(p)):
        raise ValueError(f"group codes must lie in 0..{len(p) - 1}")
    if (p < 0).any() or not math.isclose(float(p.sum()), 1.0, abs_tol=1e-6):
        raise ValueError(f"desired shares must be non-negative and sum to 1, got {p.tolist()}")
    return g.astype(np.int64).tolist(), p.tolist()


def _queues(groups: list[int], n_groups: int) -> list[list[int]]:
    """Per group, the places (input positions) of its candidates, best first."""
    queues: list[list[int]] = [[] for _ in range(n_groups)]
    for pos, g in enumerate(groups):
        queues[g].append(pos)
    return queues


def _complete(placed: list[int], n: int) -> np.ndarray:
    """``placed`` followed by every other position in input order."""
    taken = np.zeros(n, dtype=bool)
    taken[placed] = True
    return np.concatenate([np.asarray(placed, dtype=np.int64), np.flatnonzero(~taken)])


def _greedy(groups: list[int], p: list[float], k_max: int, algorithm: str) -> list[int]:
    n_groups = len(p)
    queues = _queues(groups, n_groups)
    heads = [0] * n_groups
    counts = [0] * n_groups
    sizes = [len(q) for q in queues]
    live = [i for i in range(n_groups) if sizes[i]]
    placed: list[int] = []
    for k in range(1, k_max + 1):
        best, best_pos = -1, 1 << 62
        for i in live:  # below the minimum: the best next candidate among them
            if counts[i] < math.floor(k * p[i] + _EPS) and queues[i][heads[i]] < best_pos:
                best, best_pos = i, queues[i][heads[i]]
        if best < 0:
            below_max = [i for i in live if counts[i] < math.ceil(k * p[i] - _EPS)]
            if algorithm == "detcons" and below_max:
                # the group whose next place comes due soonest; ties: the better candidate
                best = min(below_max, key=lambda i: (math.ceil(k * p[i] - _EPS) / p[i],
                                                     queues[i][heads[i]]))
            else:
                if algorithm == "detrelaxed" and below_max:
                    due = {i: math.ceil(math.ceil(k * p[i] - _EPS) / p[i] - _EPS)
                           for i in below_max}
                    soonest = min(due.values())
                    below_max = [i for i in below_max if due[i] == soonest]
                # detgreedy (and detrelaxed's soonest groups): the best next candidate; none
                # below a maximum (shares of 0, or groups run out): the best remaining one
                for i in below_max or live:
                    if queues[i][heads[i]] < best_pos:
                        best, best_pos = i, queues[i][heads[i]]
        placed.append(queues[best][heads[best]])
        heads[best] += 1
        counts[best] += 1
        if heads[best] == sizes[best]:
            live.remove(best)
    return placed


def _const_sort(groups: list[int], p: list[float], k_max: int) -> list[int]:
    """DetConstSort. Group ``i``'s minimum ``floor(p_i k)`` reaches ``j`` at the prefix length
    ``k = ceil(j / p_i)``: that is when its ``j``-th candidate is inserted, with ``k`` as its
    deadline; candidates inserted at the same ``k`` go best first (the paper's loop over ``k``,
    without visiting the prefix lengths at which no minimum rises)."""
    positions: list[np.ndarray] = []
    due: list[np.ndarray] = []
    codes = np.asarray(groups, dtype=np.int64)
    for i, share in enumerate(p):
        if share <= 0:
            continue
        members = np.flatnonzero(codes == i)
        rank = np.arange(1, len(members) + 1, dtype=np.float64)
        positions.append(members)
        due.append(np.ceil((rank - _EPS) / share).astype(np.int64))
    if not positions:
        return []
    pos_all, due_all = np.concatenate(positions), np.concatenate(due)
    events = np.lexsort((pos_all, due_all))[:k_max]
    ranked: list[int] = []       # input positions, in output order
    deadline: list[int] = []     # the prefix length each placed candidate must stay within
    for pos, k in zip(pos_all[events].tolist(), due_all[events].tolist()):
        ranked.append(pos)
        deadline.append(k)
        s = len(ranked) - 1
        # 0-based place s holds the (s + 1)-th candidate: the one above may move down only if
        # its deadline allows place s + 1 (the paper's 1-based bound is `>= s`)
        while s > 0 and deadline[s - 1] >= s + 1 and ranked[s - 1] > ranked[s]:
            ranked[s - 1], ranked[s] = ranked[s], ranked[s - 1]
            deadline[s - 1], deadline[s] = deadline[s], deadline[s - 1]
            s -= 1
    return ranked


def rerank(groups: np.ndarray, desired: np.ndarray, algorithm: str = "detgreedy",
           k_max: int | None = None) -> np.ndarray:
    """The new order of a ranked list: positions into ``groups`` (a permutation of them).

    ``groups``: the group code of each candidate, best first; ``desired``: the share each group
    should hold (index = code, summing to 1); ``k_max``: how many places to fill under the
    constraints (default all); the others follow in the input order."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown re-ranking algorithm {algorithm!r}; known: "
                         f"{', '.join(ALGORITHMS)}")
    codes, p = _check(groups, desired)
    n = len(codes)
    k = n if k_max is None else max(0, min(int(k_max), n))
    if k == 0:
        return np.arange(n, dtype=np.int64)
    placed = (_const_sort(codes, p, k) if algorithm == "detconstsort"
              else _greedy(codes, p, k, algorithm))
    return _complete(placed, n)
