"""Redis cache: one store shared by every process that opens the same URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from talent.cache.base import Cache
from talent.errors import ConfigError, DatabaseUnavailable

#: Compare-and-set in one server-side step: set KEYS[1] to ARGV[2] only if it holds ARGV[1]
#: (ARGV[3] = "1": only if it is missing); ARGV[4] = time to live in ms ("0": none).
_CAS_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if ARGV[3] == '1' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
"""


class RedisCache(Cache):
    def __init__(self, url: str, namespace: str = "talent"):
        super().__init__(namespace)
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(
                "the Redis cache needs the 'redis' extra: pip install 'talent[redis]'") from exc
        self._redis_errors = (redis.RedisError,)
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.url = url
        self._cas = self.client.register_script(_CAS_SCRIPT)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except self._redis_errors as exc:
            raise DatabaseUnavailable(f"cache {self.url} failed: {exc}") from exc

    def get(self, key: str) -> bytes | None:
        return self._call(self.client.get, self.key(key))

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        px = None if ttl is None else max(1, int(ttl * 1000))
        self._call(self.client.set, self.key(key), value, px=px)

    def delete(self, key: str) -> bool:
        return bool(self._call(self.client.delete, self.key(key)))

    def incr(self, key: str, amount: int = 1) -> int:
        return int(self._call(self.client.incrby, self.key(key), amount))

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        return list(self._call(self.client.mget, [self.key(k) for k in keys]))

    def set_many(self, items: dict[str, bytes], ttl: float | None = None) -> None:
        if not items:
            return
        pipe = self.client.pipeline()
        px = None if ttl is None else max(1, int(ttl * 1000))
        for key, value in items.items():
            pipe.set(self.key(key), value, px=px)
        self._call(pipe.execute)

    def update(self, key: str, fn: Callable[[bytes | None], bytes]) -> bytes:
        full = self.key(key)
        result: list[bytes] = []

        def apply(pipe: Any) -> None:  # WATCH full; retried by redis-py when another writer races
            value = bytes(fn(pipe.get(full)))
            pipe.multi()
            pipe.set(full, value, keepttl=True)
            result[:] = [value]

        self._call(self.client.transaction, apply, full)
        return result[0]

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        batch: list[bytes] = []
        for full in self._call(lambda: list(self.client.scan_iter(match=self.key(prefix) + "*",
                                                                   count=1000))):
            batch.append(full)
            if len(batch) >= 1000:
                count += int(self._call(self.client.delete, *batch))
                batch = []
        if batch:
            count += int(self._call(self.client.delete, *batch))
        return count

    def clear(self) -> int:
        count = 0
        keys = self._call(lambda: list(self.client.scan_iter(match=self.key("*"), count=1000)))
        for full in keys:
            count += int(self._call(self.client.delete, full))
        return count

    def keys(self, prefix: str) -> list[str]:
        skip = len(self.key(""))
        pattern = self.key(_glob_escape(prefix)) + "*"
        found = self._call(lambda: list(self.client.scan_iter(match=pattern, count=1000)))
        return [(k.decode() if isinstance(k, bytes) else str(k))[skip:] for k in found]

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self._redis_errors:
            return False

    def compare_and_set(self, key: str, expected: bytes | None, value: bytes,
                        ttl: float | None = None) -> bool:
        px = 0 if ttl is None else max(1, int(ttl * 1000))
        args = [expected or b"", value, "1" if expected is None else "0", px]
        return bool(self._call(self._cas, keys=[self.key(key)], args=args))

    def expire(self, key: str, ttl: float) -> bool:
        return bool(self._call(self.client.pexpire, self.key(key), max(1, int(ttl * 1000))))

    def close(self) -> None:
        self.client.close()


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
