from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.sharding import shard_of, shards_of, split_by_shard

ids64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.lists(ids64, min_size=1, max_size=50), st.integers(1, 64))
def test_vectorized_and_scalar_shard_functions_agree(ids, shards):
    assert (shards_of(np.array(ids, dtype=np.int64), shards).tolist()
            == [shard_of(i, shards) for i in ids])


def test_shard_assignment_is_fixed_forever():
    # a changed hash would silently misroute live updates of existing indexes
    assert [shard_of(i, 4) for i in range(1, 9)] == shards_of(np.arange(1, 9), 4).tolist()
    assert [shard_of(i, 4) for i in (1, 2, 3, 1_000_000)] == [1, 2, 1, 3]


@given(st.lists(st.integers(0, 10**12), unique=True, max_size=300), st.integers(1, 16))
def test_split_puts_every_id_in_exactly_one_shard(ids, shards):
    parts = split_by_shard(np.array(ids, dtype=np.int64), shards)
    assert len(parts) == shards
    merged = np.concatenate(parts)
    assert sorted(merged.tolist()) == sorted(ids)
    for s, part in enumerate(parts):
        assert all(shard_of(int(i), shards) == s for i in part)


def test_shards_are_balanced_on_sequential_ids():
    counts = np.bincount(shards_of(np.arange(1, 400_001), 4), minlength=4)
    assert counts.min() > 0.98 * counts.mean()
