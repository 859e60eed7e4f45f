"""Gender reaches the ranking through the re-ranking stage alone: swap the gender of half the
members in the database and the L1 features, the training matrix and the broker's ranking stay
exactly the same, while the re-ranked order (the positive control) changes. (Swapping everyone's
would not do as a control: the re-ranking treats groups alike, so the order would not move.)"""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from federator.types import SearchRequest
from talent.query import parse_query

#: every match of every partition (the search fixtures' broker settings)
EVERYTHING = {"deadline_ms": 30_000, "retrieval_depth": 5_000, "partition_top_k": 5_000}

QUERIES = ("title:nurse", "nurse OR engineer", "python", "manager")
SWAP = ("UPDATE member_protected SET gender = CASE gender WHEN 'female' THEN 'male' "
        "WHEN 'male' THEN 'female' ELSE gender END WHERE member_id % 2 = 0")


def _snapshot(search_world):
    from federator.rerank import RepresentativeRerank
    from federator.retrieval import Retrieval
    from federator.service import SearchService
    from index.serving.broker import Broker, BrokerSettings
    from index.serving.serving_index import ServingIndex
    from talent.protected import load_gender_store
    from talent.training.dataset import build_dataset

    serving = ServingIndex(search_world.index_four)
    dataset = build_dataset(search_world.db.engine, serving.snapshot(), search_world.taxonomy,
                            cache_dir=None)
    broker = Broker(serving, search_world.taxonomy, None, BrokerSettings(**EVERYTHING))
    stage = RepresentativeRerank.build(broker, load_gender_store(search_world.db))
    service = SearchService(search_world.taxonomy, serving, [Retrieval(broker), stage])
    try:
        ranked = {}
        for q in QUERIES:
            listed = broker.search(parse_query(q, search_world.taxonomy))
            reranked = service.rank(SearchRequest(None, None, q, facets=False))
            ranked[q] = (listed.member_ids, listed.features, reranked.candidates.member_ids)
    finally:
        service.close()
    return dataset, ranked


def test_swapping_genders_changes_only_the_reranked_order(search_world):
    before_data, before = _snapshot(search_world)
    try:
        with search_world.db.engine.begin() as conn:
            conn.execute(text(SWAP))
        after_data, after = _snapshot(search_world)
    finally:
        with search_world.db.engine.begin() as conn:
            conn.execute(text(SWAP))
    np.testing.assert_array_equal(after_data.features, before_data.features)
    assert after_data.candidates.rows.equals(before_data.candidates.rows)
    changed = 0
    for q in QUERIES:
        ids_b, feats_b, rerank_b = before[q]
        ids_a, feats_a, rerank_a = after[q]
        np.testing.assert_array_equal(ids_a, ids_b)
        np.testing.assert_array_equal(feats_a, feats_b)
        changed += not np.array_equal(rerank_a, rerank_b)
    assert changed > 0
