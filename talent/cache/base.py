"""The cache interface shared by the in-process and Redis implementations."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from talent.errors import ConfigError


class Cache(ABC):
    """A key-value store with TTLs. Keys are strings; values are bytes (JSON helpers on top).

    Every key is prefixed with ``namespace`` so several engines (or test runs) can share a server.
    """

    def __init__(self, namespace: str = "talent"):
        self.namespace = namespace

    def key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    @abstractmethod
    def get(self, key: str) -> bytes | None:
        """The value, or None when missing or expired."""

    @abstractmethod
    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value``; ``ttl`` in seconds (None keeps it until deleted)."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove ``key``; True if it existed."""

    @abstractmethod
    def incr(self, key: str, amount: int = 1) -> int:
        """Atomically add ``amount`` to an integer counter (missing counts as 0)."""

    @abstractmethod
    def get_many(self, keys: list[str]) -> list[bytes | None]:
        """Values for ``keys`` in order (one round trip on Redis)."""

    @abstractmethod
    def set_many(self, items: dict[str, bytes], ttl: float | None = None) -> None:
        """Store several values at once."""

    @abstractmethod
    def update(self, key: str, fn: Callable[[bytes | None], bytes]) -> bytes:
        """Atomically replace the value of ``key`` by ``fn(current value or None)``; returns the
        new value (``fn`` may run more than once when another writer races it)."""

    @abstractmethod
    def clear(self) -> int:
        """Delete every key in this cache's namespace; returns how many."""

    @abstractmethod
    def ping(self) -> bool:
        """True when the backend answers."""

    @abstractmethod
    def keys(self, prefix: str) -> list[str]:
        """Live keys that start with ``prefix`` (without the namespace)."""

    @abstractmethod
    def compare_and_set(self, key: str, expected: bytes | None, value: bytes,
                        ttl: float | None = None) -> bool:
        """Atomically store ``value`` if the current value is ``expected`` (``None``: the key is
        missing or expired); False, and nothing written, when another writer got there first."""

    @abstractmethod
    def expire(self, key: str, ttl: float) -> bool:
        """Give ``key`` a new time to live (seconds); False when it is missing."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key that starts with ``prefix``; returns how many."""
        return sum(self.delete(key) for key in self.keys(prefix))

    def get_json(self, key: str) -> Any:
        raw = self.get(key)
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any, ttl: float | None = None) -> None:
        self.set(key, json.dumps(value, separators=(",", ":")).encode(), ttl)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def member_key(member_id: int, *parts: str) -> str:
    """The key of a cached value that holds one member's data: ``member:<id>:<parts>``. Keys of
    this form are what erasure deletes (``talent member erase``); a value that mixes several
    members (a session's state) needs an eraser of its own (:mod:`talent.erasure`)."""
    return ":".join((member_prefix(member_id), *parts))


def member_prefix(member_id: int) -> str:
    return f"member:{int(member_id)}:"


def open_cache(url: str, namespace: str = "talent") -> Cache:
    """``memory://`` for the in-process cache, ``redis://host:port/db`` for Redis."""
    if url.startswith("memory://"):
        from talent.cache.memory import MemoryCache

        return MemoryCache(namespace)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from talent.cache.redis_cache import RedisCache

        return RedisCache(url, namespace)
    raise ConfigError(f"unknown cache URL {url!r}: use memory:// or redis://host:port/db")
