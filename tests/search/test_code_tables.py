"""The code-table lookups of the L1 features agree with plain set membership and dicts."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.l1.features import _isin, _lookup

codes = st.lists(st.integers(-1, 300), max_size=60)


@given(values=codes, wanted=codes)
def test_isin_is_set_membership(values, wanted):
    got = _isin(np.asarray(values, dtype=np.int32), np.asarray(wanted, dtype=np.int32))
    expected = [v in set(wanted) and v >= 0 for v in values]
    assert got.tolist() == expected


@given(values=codes,
       pairs=st.lists(st.tuples(st.integers(-1, 300), st.floats(0, 5, width=32)), max_size=30))
def test_lookup_takes_the_last_weight_of_a_key(values, pairs):
    keys = np.asarray([k for k, _ in pairs], dtype=np.int32)
    weights = np.asarray([w for _, w in pairs], dtype=np.float32)
    got = _lookup(keys, weights, np.asarray(values, dtype=np.int32))
    table = {k: w for k, w in pairs if k >= 0}
    assert got.dtype == np.float32
    assert got.tolist() == [np.float32(table.get(v, 0.0)) for v in values]
