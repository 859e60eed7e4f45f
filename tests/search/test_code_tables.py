"""The code tables of the L1 features agree with plain set membership and dicts."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.l1.features import _table

codes = st.lists(st.integers(-1, 300), max_size=60)


def _read(table: np.ndarray, value: int):
    return table[value] if 0 <= value < len(table) else table.dtype.type(0)


@given(values=codes, wanted=codes)
def test_a_membership_table_is_set_membership(values, wanted):
    table = _table(np.asarray(wanted, dtype=np.int32))
    assert table.dtype == np.bool_
    assert [bool(_read(table, v)) for v in values] == [v in set(wanted) and v >= 0
                                                      for v in values]


@given(values=codes,
       pairs=st.lists(st.tuples(st.integers(-1, 300), st.floats(0, 5, width=32)), max_size=30))
def test_a_weight_table_takes_the_last_weight_of_a_key(values, pairs):
    keys = np.asarray([k for k, _ in pairs], dtype=np.int32)
    weights = np.asarray([w for _, w in pairs], dtype=np.float32)
    table = _table(keys, weights)
    expected = {k: w for k, w in pairs if k >= 0}
    assert table.dtype == np.float32
    assert [_read(table, v) for v in values] == [np.float32(expected.get(v, 0.0)) for v in values]
