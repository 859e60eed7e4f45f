"""In-process cache: a dict with expiry times, safe across threads of one process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from talent.cache.base import Cache


class MemoryCache(Cache):
    """The embedded default. State is per process: use Redis when several workers serve."""

    def __init__(self, namespace: str = "talent", clock=time.monotonic):
        super().__init__(namespace)
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _live(self, full: str) -> bytes | None:
        item = self._data.get(full)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            del self._data[full]
            return None
        return value

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._live(self.key(key))

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        expires = None if ttl is None else self._clock() + ttl
        with self._lock:
            self._data[self.key(key)] = (bytes(value), expires)

    def delete(self, key: str) -> bool:
        with self._lock:
            full = self.key(key)
            existed = self._live(full) is not None
            self._data.pop(full, None)
            return existed

    def incr(self, key: str, amount: int = 1) -> int:
        with self._lock:
            full = self.key(key)
            current = self._live(full)
            value = (int(current) if current is not None else 0) + amount
            expires = self._data[full][1] if current is not None else None
            self._data[full] = (str(value).encode(), expires)
            return value

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        with self._lock:
            return [self._live(self.key(k)) for k in keys]

    def set_many(self, items: dict[str, bytes], ttl: float | None = None) -> None:
        for key, value in items.items():
            self.set(key, value, ttl)

    def update(self, key: str, fn: Callable[[bytes | None], bytes]) -> bytes:
        with self._lock:
            full = self.key(key)
            value = bytes(fn(self._live(full)))
            expires = self._data[full][1] if full in self._data else None
            self._data[full] = (value, expires)
            return value

    def delete_prefix(self, prefix: str) -> int:
        start = self.key(prefix)
        with self._lock:
            doomed = [k for k in self._data if k.startswith(start)]
            for k in doomed:
                del self._data[k]
            return len(doomed)

    def clear(self) -> int:
        prefix = self.key("")
        with self._lock:
            doomed = [k for k in self._data if k.startswith(prefix)]
            for k in doomed:
                del self._data[k]
            return len(doomed)

    def ping(self) -> bool:
        return True

    def keys(self, prefix: str) -> list[str]:
        full = self.key(prefix)
        skip = len(self.key(""))
        with self._lock:
            return [k[skip:] for k in list(self._data) if k.startswith(full)
                    and self._live(k) is not None]

    def compare_and_set(self, key: str, expected: bytes | None, value: bytes,
                        ttl: float | None = None) -> bool:
        expires = None if ttl is None else self._clock() + ttl
        with self._lock:
            full = self.key(key)
            if self._live(full) != expected:
                return False
            self._data[full] = (bytes(value), expires)
            return True

    def expire(self, key: str, ttl: float) -> bool:
        with self._lock:
            full = self.key(key)
            current = self._live(full)
            if current is None:
                return False
            self._data[full] = (current, self._clock() + ttl)
            return True
