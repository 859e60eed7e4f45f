"""The text-coverage features as they were computed before the forward store kept tokens: from
bit-coded Tantivy searches restricted to the members' ids (each (field, token) pair a
constant-score clause worth ``2**b``, so a hit's score is the set of pairs its document holds).

Kept as the oracle the token-row features are tested against, value for value: it reads
Tantivy's own postings, nothing of the forward store.
"""

from __future__ import annotations

import numpy as np
import tantivy

from index.l1.coverage import coverage_pairs
from index.schema import build_schema
from index.serving.partition import Partition
from index.serving.plan import COVERAGE_FIELDS, QueryPlan
from index.serving.queries import member_ids as member_ids_query

PAIRS_PER_SEARCH = 23


def _bit_query(base: tantivy.Query, chunk: list[tuple[int, str, float]]) -> tantivy.Query:
    schema = build_schema()
    Q, Occur = tantivy.Query, tantivy.Occur
    clauses = [(Occur.Must, Q.const_score_query(base, 0.0))] + [
        (Occur.Should,
         Q.const_score_query(Q.term_query(schema, COVERAGE_FIELDS[j], t), float(1 << b)))
        for b, (j, t, _) in enumerate(chunk)]
    return Q.boolean_query(clauses)


def legacy_text_coverage(partition: Partition, plan: QueryPlan,
                         member_ids: np.ndarray) -> np.ndarray:
    """``(n, len(COVERAGE_FIELDS))`` text coverage of ``member_ids`` from Tantivy searches."""
    out = np.zeros((len(member_ids), len(COVERAGE_FIELDS)), dtype=np.float32)
    pairs = coverage_pairs(plan)
    if len(member_ids) == 0 or not pairs:
        return out
    ids = np.asarray(member_ids, dtype=np.int64)
    searcher = partition.searcher
    pos = {m: i for i, m in enumerate(ids.tolist())}
    for start in range(0, len(pairs), PAIRS_PER_SEARCH):
        chunk = pairs[start:start + PAIRS_PER_SEARCH]
        hits = searcher.search(_bit_query(member_ids_query(ids), chunk), len(ids),
                               count=False).hits
        if not hits:
            continue
        found = searcher.fast_field_values("member_id", [a for _, a in hits])
        rows = np.asarray([pos[int(m)] for m in found], dtype=np.int64)
        bits = np.rint(np.asarray([s for s, _ in hits], dtype=np.float64)).astype(np.int64)
        held = (bits[:, None] >> np.arange(len(chunk))) & 1
        weights = np.zeros((len(chunk), len(COVERAGE_FIELDS)), dtype=np.float64)
        for b, (j, _, w) in enumerate(chunk):
            weights[b, j] = w
        out[rows] += (held @ weights).astype(np.float32)
    return np.minimum(out, 1.0)
