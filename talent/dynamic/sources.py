"""Where a search's dynamic features come from: the cache (serving) or the event history (a
logged search replayed as of its time, in the evaluation)."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from talent.dynamic.history import EventHistory, logs_stamp
from talent.dynamic.schema import DynamicRecords
from talent.dynamic.store import DynamicStore
from talent.logging import get_logger

log = get_logger(__name__)


class DynamicSource(Protocol):
    """The counters of ``member_ids`` for a recruiter and contract as they are at ``at``."""

    def read(self, recruiter_id: int | None, contract_id: int | None, member_ids: np.ndarray,
             at: float) -> DynamicRecords: ...


class CacheSource:
    """Serving: the counters in the cache now (one batched read); ``at`` is ignored (the cache
    holds the present)."""

    def __init__(self, store: DynamicStore):
        self.store = store

    def read(self, recruiter_id: int | None, contract_id: int | None, member_ids: np.ndarray,
             at: float) -> DynamicRecords:
        return self.store.read(recruiter_id, contract_id, member_ids)


class HistorySource:
    """Replay: the counters as they were just before ``at``, from the event history."""

    def __init__(self, history: EventHistory):
        self.history = history

    def read(self, recruiter_id: int | None, contract_id: int | None, member_ids: np.ndarray,
             at: float) -> DynamicRecords:
        members = np.asarray(member_ids, np.int64)
        n = len(members)
        return self.history.records(np.full(n, recruiter_id or 0), np.full(n, contract_id or 0),
                                    members, np.full(n, int(at)))


def ensure_warm(store: DynamicStore, engine: Any) -> bool:
    """Rebuild the cache's counters from the database unless they come from its current logs;
    True when it rebuilt them."""
    stamp = logs_stamp(engine)
    if store.is_warm(stamp):
        return False
    store.warm(EventHistory.from_database(engine), stamp)
    return True
