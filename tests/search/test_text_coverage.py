"""Text-coverage features from the forward store's token rows equal the bit-coded Tantivy
searches they replaced (the legacy oracle reads Tantivy's postings), value for value."""

from __future__ import annotations

import numpy as np
import tantivy
from legacy_coverage import legacy_text_coverage
from sqlalchemy import text

from index.forward import TOKEN_FIELDS
from index.l1.features import FEATURE_NAMES, candidate_features
from index.schema import build_schema
from index.serving.plan import COVERAGE_FIELDS
from index.serving.queries import member_ids as member_ids_query
from talent.query import parse_query

TEXT = [FEATURE_NAMES.index(f"text_{f}") for f in COVERAGE_FIELDS]
QUERIES = ["python", "title:nurse", "skill:sql", 'title:"software developer" OR skill:java',
           "manager", "location:seattle", "sales NOT title:manager", "engineer",
           '{"open_to_work": true, "text": "analyst"}']
MORE = ["python sql java developer engineer manager senior data analyst cloud security design "
        "marketing sales finance operations research product customer support network systems web "
        "mobile", 'company:"acme"', "lead", "nurse OR teacher OR engineering"]


def _logged_queries(database, n: int) -> list:
    import json

    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_text, query_json FROM searches ORDER BY id")).all()
    step = max(1, len(rows) // n)
    return [json.loads(q) if q else t for t, q in rows[::step]]


def test_token_coverage_of_every_match_equals_tantivys_postings(four, search_world):
    snapshot = four.serving.snapshot()
    compared = nonzero = 0
    for q in QUERIES + MORE + _logged_queries(search_world.db, 80):
        plan = four.broker.plan(parse_query(q, four.taxonomy), snapshot)
        for partition in snapshot.partitions:
            ids = partition.search(plan.compile(partition), 100_000).member_ids
            mine = candidate_features(snapshot, partition, plan, ids)[:, TEXT]
            np.testing.assert_array_equal(mine, legacy_text_coverage(partition, plan, ids),
                                          err_msg=f"{q!r} shard {partition.shard}")
            compared += len(ids)
            nonzero += int(np.count_nonzero(mine))
    assert compared > 2_000 and nonzero > 1_000


def test_token_coverage_of_members_the_query_does_not_match_equals_tantivys(four):
    """The training path scores members a logged search showed, matching or not."""
    snapshot = four.serving.snapshot()
    for q in ["python developer", 'title:"software developer" skill:sql', MORE[0]]:
        plan = four.broker.plan(parse_query(q, four.taxonomy), snapshot)
        for partition in snapshot.partitions:
            ids = np.asarray(partition.forward.base.member_ids[::7], dtype=np.int64)
            mine = candidate_features(snapshot, partition, plan, ids)[:, TEXT]
            np.testing.assert_array_equal(mine, legacy_text_coverage(partition, plan, ids))


def test_token_rows_hold_exactly_the_terms_tantivy_indexed(four):
    """For sampled members, a token is in the member's row of a field if and only if a term
    query on that field finds the member (tokens drawn from many members' rows)."""
    snapshot = four.serving.snapshot()
    partition = snapshot.partitions[1]
    schema = build_schema()
    base = partition.forward.base
    members = np.asarray(base.member_ids[::max(1, len(base) // 25)], dtype=np.int64)
    batch = partition.features(members)
    vocab = snapshot.vocab
    checked = 0
    for field in TOKEN_FIELDS:
        rows = batch.tokens(field)
        pool = sorted({vocab.term("token", int(c)) for c in rows.indices.tolist()})
        assert pool, field
        for i, member in enumerate(members.tolist()):
            held = {vocab.term("token", int(c))
                    for c in rows.indices[rows.indptr[i]:rows.indptr[i + 1]].tolist()}
            found = set()
            for token in pool:
                q = tantivy.Query.boolean_query([
                    (tantivy.Occur.Must, member_ids_query(np.asarray([member]))),
                    (tantivy.Occur.Must, tantivy.Query.term_query(schema, field, token))])
                if partition.count(q):
                    found.add(token)
            assert held == found, (field, member)
            checked += len(pool)
    assert checked > 1_000


def test_a_query_token_no_document_holds_covers_nothing(four):
    snapshot = four.serving.snapshot()
    plan = four.broker.plan(parse_query("zzyzxnotaword OR python", four.taxonomy), snapshot)
    partition = snapshot.partitions[0]
    ids = partition.search(plan.compile(partition), 100_000).member_ids
    mine = candidate_features(snapshot, partition, plan, ids)[:, TEXT]
    np.testing.assert_array_equal(mine, legacy_text_coverage(partition, plan, ids))
    assert len(ids) and 0 < mine.max() < 1.0  # the unknown word's share is never held
