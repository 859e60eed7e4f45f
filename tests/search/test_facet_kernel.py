"""Facet counts from forward rows (the compiled loops) equal plain counting of the members'
fields: members found or not, rows shadowed by a live overlay, values too large to bin."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from live_overlay import shadowed_store

from index.serving import facets as facets_module
from index.serving.broker import DEFAULT_FACETS
from index.serving.facets import forward_counts
from index.serving.partition import RANGE_FACETS

COLUMN = {"company_id": "company", "metro_id": "metro", "industry_id": "industry",
          "seniority": "seniority", "title_id": "occupation"}


def _plain(batch, fields) -> dict[str, dict[int, int]]:
    """Every field's counts over the found members, by Counter."""
    found = np.flatnonzero(batch.found)
    out = {}
    for f in fields:
        if f in RANGE_FACETS:
            edges = RANGE_FACETS[f]
            years = batch.columns["years_experience"]
            c = Counter(int(np.searchsorted(edges, float(years[i]), side="right")) for i in found)
            out[f] = {b: c.get(b, 0) for b in range(len(edges) + 1)}
        elif f == "skill_ids":
            skills = batch.csr["skills"]
            out[f] = dict(Counter(int(v) for i in found
                                  for v in skills.indices[skills.indptr[i]:skills.indptr[i + 1]]
                                  if v >= 0))
        elif f in ("open_to_work", "willing_to_relocate"):
            c = Counter(int(bool(batch.columns[f][i])) for i in found)
            out[f] = {0: c.get(0, 0), 1: c.get(1, 0)}
        else:
            out[f] = dict(Counter(int(v) for v in batch.columns[COLUMN[f]][found] if v >= 0))
    return out


def _as_dicts(counts) -> dict[str, dict[int, int]]:
    return {f: dict(zip(c.keys.tolist(), c.counts.tolist())) for f, c in counts.items()}


@pytest.mark.parametrize("limit", [None, 3])
def test_forward_counts_equal_plain_counting(four, monkeypatch, limit):
    if limit is not None:  # every value past the table: the sorting path
        monkeypatch.setattr(facets_module, "_BINCOUNT_LIMIT", limit)
    snapshot = four.serving.snapshot()
    partition = snapshot.partitions[2]
    base = partition.forward.base
    store, rows = shadowed_store(partition, 3, 30, seniority=np.int8(7), open_to_work=True)
    ids = np.concatenate([base.member_ids[rows], [-5, 10**12]]).astype(np.int64)
    size = 10**6  # every value, so that nothing is cut
    for batch in (partition.features(base.member_ids[rows]), store.gather(ids)):
        assert _as_dicts(forward_counts(batch, DEFAULT_FACETS, size)) == _plain(batch,
                                                                                 DEFAULT_FACETS)
