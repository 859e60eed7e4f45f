"""What an index snapshot derives from its version: the recency reference day, the SOC families."""

from __future__ import annotations

import numpy as np


def test_the_reference_day_is_the_newest_activity_in_the_version(search_world):
    from index.serving.serving_index import ServingIndex

    snapshot = ServingIndex(search_world.index_four).snapshot()
    newest = max(int(p.forward.base.columns["last_active_day"].max()) for p in snapshot.partitions)
    assert snapshot.reference_day == newest > 0


def test_each_occupation_code_maps_to_its_soc_major_group(search_world):
    from index.serving.serving_index import ServingIndex

    snapshot = ServingIndex(search_world.index_four).snapshot()
    terms = snapshot.vocab.terms("occupation")
    expected = [int(t.split("-")[0]) for t in terms]
    assert len(terms) > 10
    np.testing.assert_array_equal(snapshot.occupation_families, expected)

