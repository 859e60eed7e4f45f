"""Review sessions in the cache (keys ``session:<id>`` and ``session:<id>:pool``).

The pool is written once; the state is rewritten at every step with the cache's
compare-and-set (optimistic locking): a writer reads the state, changes it and writes it only
over the bytes it read; if another worker wrote in between, it reads again and redoes its change.
So two tabs (or two web workers) on one session never lose a feedback, on Redis as in memory.
Both keys expire ``ttl`` seconds after the session was last used; a session that is gone
(expired, evicted, the cache restarted) raises :class:`SessionExpired`, which says to start a
new one.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from federator.review import ReviewPool, ReviewState
from talent.cache.base import Cache
from talent.errors import InvalidInput, NotFound, TalentError

T = TypeVar("T")
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Attempts of one update before giving up (each lost race costs one cache round trip or two).
MAX_ATTEMPTS = 50


class SessionExpired(NotFound):
    """The session's state is gone from the cache: start a new one."""

    http_status = 410


class SessionBusy(TalentError):
    """Too many concurrent writers on one session."""

    http_status = 409


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def usable_session_id(session_id: str | None) -> bool:
    """Whether ``session_id`` can name a session in the store (clients may send any string)."""
    return isinstance(session_id, str) and bool(SESSION_ID.match(session_id))


def check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        raise InvalidInput("a session id is 1-64 letters, digits, '-' or '_'")
    return session_id


class SessionStore:
    """Review pools and states in ``cache``; see the module docstring.

    Decoded pools are kept in a small per-process LRU (a pool never changes once written).
    """

    def __init__(self, cache: Cache, ttl: float = 7200.0, pool_cache_size: int = 64):
        if ttl <= 0:
            raise ValueError("the session lifetime must be positive")
        self.cache = cache
        self.ttl = float(ttl)
        self._pools: OrderedDict[str, ReviewPool] = OrderedDict()
        self._pool_cache_size = pool_cache_size
        self._lock = threading.Lock()
        self.conflicts = 0          # lost compare-and-set races (retried), for tests and figures

    @staticmethod
    def state_key(session_id: str) -> str:
        return f"session:{check_session_id(session_id)}"

    @staticmethod
    def pool_key(session_id: str) -> str:
        return f"session:{check_session_id(session_id)}:pool"

    # --- writing a new session -----------------------------------------------------------------
    def create(self, state: ReviewState, pool: ReviewPool | None) -> None:
        """Store a new session (its pool first: a state is never visible without its pool)."""
        if pool is not None:
            self.cache.set(self.pool_key(state.session_id),
                           json.dumps(pool.to_json(), separators=(",", ":")).encode(), self.ttl)
            self._remember(state.session_id, pool)
        if not self.cache.compare_and_set(self.state_key(state.session_id), None, state.to_bytes(),
                                          self.ttl):
            raise InvalidInput(f"session {state.session_id} exists already")

    # --- reading --------------------------------------------------------------------------------
    def state(self, session_id: str) -> ReviewState | None:
        raw = self.cache.get(self.state_key(session_id))
        return None if raw is None else ReviewState.from_bytes(raw)

    def pool(self, session_id: str) -> ReviewPool:
        """The session's pool; :class:`SessionExpired` when the cache no longer has it."""
        with self._lock:
            pool = self._pools.get(session_id)
            if pool is not None:
                self._pools.move_to_end(session_id)
        if pool is not None and self.cache.expire(self.pool_key(session_id), self.ttl):
            return pool
        raw = self.cache.get(self.pool_key(session_id))
        if raw is None:
            self.forget(session_id)
            raise SessionExpired(expired_message(session_id))
        pool = ReviewPool.from_json(json.loads(raw))
        self.cache.expire(self.pool_key(session_id), self.ttl)
        self._remember(session_id, pool)
        return pool

    def _remember(self, session_id: str, pool: ReviewPool) -> None:
        with self._lock:
            self._pools[session_id] = pool
            self._pools.move_to_end(session_id)
            while len(self._pools) > self._pool_cache_size:
                self._pools.popitem(last=False)

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._pools.pop(session_id, None)

    # --- updating -------------------------------------------------------------------------------
    def update(self, session_id: str, change: Callable[[ReviewState], T], *,
               create: Callable[[], ReviewState] | None = None) -> tuple[ReviewState, T]:
        """Apply ``change`` to the session's state and write it back atomically, retrying on a lost
        race (``change`` must depend only on the state it is given). A missing state raises
        :class:`SessionExpired`, or starts from ``create()`` when given. Returns the written state
        and what ``change`` returned."""
        key = self.state_key(session_id)
        for attempt in range(MAX_ATTEMPTS):
            raw = self.cache.get(key)
            if raw is None:
                if create is None:
                    self.forget(session_id)
                    raise SessionExpired(expired_message(session_id))
                state = create()
            else:
                state = ReviewState.from_bytes(raw)
            result = change(state)
            state.version += 1
            if self.cache.compare_and_set(key, raw, state.to_bytes(), self.ttl):
                return state, result
            with self._lock:
                self.conflicts += 1
            time.sleep(min(0.001 * 2 ** min(attempt, 6), 0.05) * (0.5 + secrets.randbelow(100)
                                                                   / 100))
        raise SessionBusy(f"session {session_id} is being changed by too many tabs at once: "
                          "try again")

    def delete(self, session_id: str) -> None:
        self.cache.delete(self.state_key(session_id))
        self.cache.delete(self.pool_key(session_id))
        self.forget(session_id)


def expired_message(session_id: str) -> str:
    return (f"review session {session_id} has expired or was lost: start a new one (your feedback "
            "so far is kept in the feedback log)")
