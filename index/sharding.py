"""Which shard owns a member: a stable 64-bit mix of the member id, modulo the shard count.

The mix is SplitMix64's finalizer (Steele, Lea and Flood 2014): fixed constants, no seed, the
same result on every machine, Python version and process. Scalar and vectorized forms agree
(a test checks it); everything that routes a member (build, live updates, tests) uses them.
"""

from __future__ import annotations

import numpy as np

_MASK = (1 << 64) - 1
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_GOLDEN = 0x9E3779B97F4A7C15


def mix64(value: int) -> int:
    """SplitMix64 of ``value`` (an int reduced to 64 bits)."""
    z = (value + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _C1) & _MASK
    z = ((z ^ (z >> 27)) * _C2) & _MASK
    return z ^ (z >> 31)


def shard_of(member_id: int, shards: int) -> int:
    """The shard (0 .. shards-1) that owns ``member_id``."""
    if shards < 1:
        raise ValueError("shards must be >= 1")
    return mix64(int(member_id)) % shards


def shards_of(member_ids: np.ndarray, shards: int) -> np.ndarray:
    """Vectorized :func:`shard_of` for an integer array (returns int64 shard numbers)."""
    if shards < 1:
        raise ValueError("shards must be >= 1")
    # wraps mod 2**64
    z = np.asarray(member_ids).astype(np.int64).view(np.uint64) + np.uint64(_GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_C1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_C2)
    z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(shards)).astype(np.int64)


def split_by_shard(member_ids: np.ndarray, shards: int) -> list[np.ndarray]:
    """``member_ids`` split into one sorted int64 array per shard."""
    ids = np.sort(np.asarray(member_ids, dtype=np.int64))
    owner = shards_of(ids, shards)
    return [ids[owner == s] for s in range(shards)]
