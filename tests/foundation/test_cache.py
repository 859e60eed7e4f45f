"""The same behaviour from the in-process cache and from a real Redis."""

from __future__ import annotations

import time
import uuid

import pytest

from talent.cache import MemoryCache, open_cache
from talent.errors import ConfigError


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request):
    ns = f"test-{uuid.uuid4().hex[:8]}"
    c = (open_cache("memory://", ns) if request.param == "memory"
         else open_cache(request.getfixturevalue("redis_url"), ns))
    yield c
    c.clear()
    c.close()


def test_set_get_delete(cache):
    assert cache.get("k") is None
    cache.set("k", b"v")
    assert cache.get("k") == b"v"
    assert cache.delete("k") is True
    assert cache.get("k") is None and cache.delete("k") is False


def test_ttl_expires(cache):
    cache.set("short", b"x", ttl=0.05)
    cache.set("long", b"y", ttl=60)
    time.sleep(0.15)
    assert cache.get("short") is None
    assert cache.get("long") == b"y"


def test_counters_and_batches(cache):
    assert cache.incr("n") == 1
    assert cache.incr("n", 5) == 6
    cache.set_many({"a": b"1", "b": b"2"})
    assert cache.get_many(["a", "missing", "b"]) == [b"1", None, b"2"]


def test_json_round_trip(cache):
    cache.set_json("session:1", {"arms": [1, 2], "alpha": 0.5})
    assert cache.get_json("session:1") == {"arms": [1, 2], "alpha": 0.5}


def test_namespaces_do_not_collide(cache):
    cache.set("shared", b"mine")
    other = MemoryCache("elsewhere")
    assert other.get("shared") is None
    assert cache.clear() >= 1
    assert cache.get("shared") is None


def test_unknown_cache_url_is_refused():
    with pytest.raises(ConfigError, match="memory://"):
        open_cache("memcached://x")


def test_update_is_a_read_modify_write(cache):
    def append(raw):
        return (raw or b"") + b"x"

    assert cache.update("u", append) == b"x"
    assert cache.update("u", append) == b"xx"
    assert cache.get("u") == b"xx"


def test_concurrent_updates_lose_nothing(cache):
    from concurrent.futures import ThreadPoolExecutor

    def bump(_: int) -> None:
        cache.update("c", lambda raw: str(int(raw or b"0") + 1).encode())

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(bump, range(40)))
    assert cache.get("c") == b"40"


def test_delete_prefix_keeps_other_keys(cache):
    cache.set_many({"dyn:a": b"1", "dyn:b": b"2", "session:a": b"3"})
    assert cache.delete_prefix("dyn:") == 2
    assert cache.get_many(["dyn:a", "dyn:b", "session:a"]) == [None, None, b"3"]


def test_compare_and_set_writes_only_over_the_expected_value(cache):
    assert cache.compare_and_set("cas", None, b"one") is True
    assert cache.compare_and_set("cas", None, b"again") is False
    assert cache.compare_and_set("cas", b"stale", b"two") is False
    assert cache.get("cas") == b"one"
    assert cache.compare_and_set("cas", b"one", b"two", ttl=60) is True
    assert cache.get("cas") == b"two"


def test_compare_and_set_sees_an_expired_key_as_missing(cache):
    cache.set("gone", b"old", ttl=0.05)
    time.sleep(0.15)
    assert cache.compare_and_set("gone", b"old", b"new") is False
    assert cache.compare_and_set("gone", None, b"new", ttl=0.05) is True
    time.sleep(0.15)
    assert cache.get("gone") is None


def test_expire_gives_a_key_a_new_lifetime(cache):
    cache.set("k", b"v", ttl=0.1)
    assert cache.expire("k", 60) is True
    time.sleep(0.2)
    assert cache.get("k") == b"v"
    assert cache.expire("missing", 60) is False
