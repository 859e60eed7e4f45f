"""A shard's forward store with some of its base rows shadowed by a live-update overlay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from index.forward import ForwardStore


def shadowed_store(partition: Any, every: int, count: int,
                   **changes: Callable[[np.ndarray], np.ndarray] | Any
                   ) -> tuple[ForwardStore, np.ndarray]:
    """(store, rows): every ``every``-th base row of ``partition``, the first ``count`` of them
    live-updated with ``changes`` (column -> new value, or a function of the old column)."""
    base = partition.forward.base
    rows = np.arange(0, len(base), every)
    changed = base.take(rows[:count])
    for column, change in changes.items():
        old = changed.columns[column]
        old[:] = change(old) if callable(change) else change
    return ForwardStore(base, changed), rows
