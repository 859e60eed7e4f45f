"""A review session driven step by step in tests: pick, present, verdict."""

from __future__ import annotations

from collections.abc import Callable

from federator.review import ReviewPool, ReviewState, apply_verdict, choose_next, present


def review_steps(pool: ReviewPool, state: ReviewState, is_good: Callable[[int], bool],
                 steps: int) -> list[int]:
    """Run up to ``steps`` steps; ``is_good(i)`` is the verdict on pool candidate ``i``. Returns
    the candidates shown, in order."""
    shown = []
    for _ in range(steps):
        pick = choose_next(pool, state)
        if pick is None:
            break
        present(state, pick)
        apply_verdict(pool, state, pick.index, "good_fit" if is_good(pick.index) else "not_fit")
        shown.append(pick.index)
    return shown
