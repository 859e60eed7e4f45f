"""Facet counts from the forward store equal Tantivy's aggregations over the same matches."""

from __future__ import annotations

import pytest
from conftest import make_service
from sqlalchemy import text

from index.serving.broker import DEFAULT_FACETS
from index.serving.facets import engine_counts, facet_values, forward_counts, merge_counts
from index.serving.partition import RANGE_FACETS
from talent.query import parse_query

FIELDS = (*DEFAULT_FACETS, *RANGE_FACETS, "willing_to_relocate")
QUERIES = ["python", "title:nurse", "skill:sql", 'title:"software developer" OR skill:java',
           "manager", "location:seattle", "sales NOT title:manager", "engineer",
           '{"open_to_work": true, "text": "analyst"}']


def _logged_queries(database, n: int = 60) -> list:
    import json

    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_text, query_json FROM searches ORDER BY id")).all()
    step = max(1, len(rows) // n)
    return [json.loads(q) if q else t for t, q in rows[::step]]


def test_forward_facets_equal_tantivy_aggregations(four, search_world):
    snapshot = four.serving.snapshot()
    compared = 0
    for q in QUERIES + _logged_queries(search_world.db):
        plan = four.broker.plan(parse_query(q, four.taxonomy), snapshot)
        for partition in snapshot.partitions:
            query = plan.compile(partition)
            hits = partition.search(query, 100_000)
            assert hits.count == len(hits.member_ids)
            engine = partition.facets(query, FIELDS, 100_000)
            mine = facet_values(forward_counts(partition.features(hits.member_ids), FIELDS,
                                               100_000), snapshot.vocab, 100_000)
            for field in FIELDS:
                assert {k: v for k, v in mine[field].items() if v} == \
                    {k: v for k, v in engine[field].items() if v}, (q, partition.shard, field)
            compared += 1
    assert compared >= 4 * len(QUERIES)


def test_facet_values_keep_the_most_frequent_values(four):
    snapshot = four.serving.snapshot()
    partition = snapshot.partitions[0]
    plan = four.broker.plan(parse_query("engineer OR manager OR nurse", four.taxonomy), snapshot)
    hits = partition.search(plan.compile(partition), 100_000)
    batch = partition.features(hits.member_ids)
    counts = forward_counts(batch, ("skill_ids",), 100_000)
    full = facet_values(counts, snapshot.vocab, 100_000)["skill_ids"]
    top = facet_values(counts, snapshot.vocab, 5)["skill_ids"]
    assert len(full) > 5 and len(top) == 5
    assert list(top.values()) == sorted(full.values(), reverse=True)[:5]
    # ties are cut by the value's text, as the whole list orders them
    assert list(top.items()) == list(full.items())[:5]
    # a partition keeps its top 5 counts (as a terms aggregation of size 5)
    kept = forward_counts(batch, ("skill_ids",), 5)["skill_ids"]
    assert sorted(kept.counts.tolist(), reverse=True) == list(full.values())[:5]


def test_summed_counts_equal_the_aggregations_of_every_partition_summed(four):
    """The broker's sum over partitions (forward counts) equals summing each partition's Tantivy
    aggregation over the same matches, whatever mix of the two the partitions used."""
    snapshot = four.serving.snapshot()
    for q in ["engineer OR manager OR nurse", "python", "title:nurse"]:
        plan = four.broker.plan(parse_query(q, four.taxonomy), snapshot)
        forward, engine, mixed = [], [], []
        for partition in snapshot.partitions:
            query = plan.compile(partition)
            hits = partition.search(query, 100_000)
            f = forward_counts(partition.features(hits.member_ids), FIELDS, 100_000)
            e = engine_counts(partition.facets(query, FIELDS, 100_000), snapshot.vocab)
            forward.append(f)
            engine.append(e)
            mixed.append(f if partition.shard % 2 else e)
        shown = [facet_values(merge_counts(parts), snapshot.vocab, 100_000)
                 for parts in (forward, engine, mixed)]
        for field in FIELDS:
            a, b, c = ({k: v for k, v in s[field].items() if v} for s in shown)
            assert a == b == c and a, (q, field)


@pytest.mark.parametrize("query", ["title:nurse", "python"])
def test_search_facets_do_not_depend_on_how_they_were_counted(search_world, query):
    """Retrieval deep enough for every match (forward counts) vs shallow (aggregations)."""
    deep = make_service(search_world, search_world.index_four, retrieval_depth=100_000)
    shallow = make_service(search_world, search_world.index_four, retrieval_depth=1)
    try:
        a = deep.broker.search(parse_query(query, deep.taxonomy), facets=True)
        b = shallow.broker.search(parse_query(query, shallow.taxonomy), facets=True)
        assert a.total == b.total > 1
        assert {f: {k: v for k, v in c.items() if v} for f, c in a.facets.items()} == \
            {f: {k: v for k, v in c.items() if v} for f, c in b.facets.items()}
    finally:
        deep.close()
        shallow.close()


def test_sampled_facet_counts_are_marked_approximate_and_close_to_exact(search_world):
    """With ``facet_counts="sampled"`` a partition that matched more than it retrieved scales its
    retrieved matches' counts; the response says so, and the counts are near the exact ones."""
    from federator.types import SearchRequest

    exact = make_service(search_world, search_world.index_four, retrieval_depth=100)
    sampled = make_service(search_world, search_world.index_four, retrieval_depth=100,
                           facet_counts="sampled")
    try:
        request = SearchRequest(1, 1, "engineer OR manager OR nurse OR sales", facets=True)
        a, b = exact.search(request), sampled.search(request)
        assert not a.facets_approximate and b.facets_approximate
        truth = {v.value: v.count for v in a.facets["open_to_work"]}
        guess = {v.value: v.count for v in b.facets["open_to_work"]}
        assert set(guess) == set(truth)
        assert all(abs(guess[k] - truth[k]) <= 0.25 * a.total for k in truth)
        small = SearchRequest(1, 1, 'title:"software developer" skill:python', facets=True)
        assert not sampled.search(small).facets_approximate  # every match retrieved: exact
    finally:
        exact.close()
        sampled.close()

