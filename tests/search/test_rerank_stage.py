"""Stage ``rerank``: the qualified pool's gender mix, counted over every partition, sets the
desired distribution; the candidates are only reordered; requests switch it and pick the
algorithm; the response's debug section carries aggregate figures only."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import text

from federator.types import SearchRequest
from talent.protected import GROUPS, UNKNOWN, GenderStore, load_gender_store
from talent.query import parse_query
from talent.ranking.fairness import infeasible
from talent.ranking.representative import desired_shares

#: every match of every partition (the search fixtures' broker settings)
EVERYTHING = {"deadline_ms": 30_000, "retrieval_depth": 5_000, "partition_top_k": 5_000}

QUERIES = ("title:nurse", "nurse OR engineer", "python", 'title:"software developer"',
           "manager")


@pytest.fixture(scope="module")
def store(search_world) -> GenderStore:
    return load_gender_store(search_world.db)


def make(search_world, index_dir, store, **config):
    from federator.rerank import RepresentativeRerank, RerankConfig
    from federator.retrieval import Retrieval
    from federator.service import SearchService
    from index.serving.broker import Broker, BrokerSettings
    from index.serving.serving_index import ServingIndex

    broker = Broker(ServingIndex(index_dir), search_world.taxonomy, None,
                    BrokerSettings(**EVERYTHING))
    stage = RepresentativeRerank.build(broker, store, RerankConfig(**config))
    return SearchService(search_world.taxonomy, broker.serving, [Retrieval(broker), stage])


@pytest.fixture(scope="module")
def service(search_world, store):
    svc = make(search_world, search_world.index_four, store)
    yield svc
    svc.close()


def stage_of(service):
    return service.pipeline.stages[-1]


def request(query: str, **stages: bool) -> SearchRequest:
    return SearchRequest(None, None, query, facets=False, stages=stages)


def test_the_store_holds_every_protected_row(search_world, store):
    with search_world.db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT gender, COUNT(*) FROM member_protected GROUP BY "
                                      "gender")).all())
        ids = [r[0] for r in conn.execute(text("SELECT member_id FROM member_protected")).all()]
    assert store.counts(np.asarray(ids)).tolist() == [rows.get(g, 0) for g in GROUPS]


def test_members_the_store_does_not_hold_count_as_unknown():
    store = GenderStore.from_rows(np.array([1, 3]), np.array([0, 1]))
    assert store.codes_of(np.array([1, 2, 3, 99, -1])).tolist() == [0, UNKNOWN, 1, UNKNOWN,
                                                                    UNKNOWN]
    assert store.counts(np.array([1, 2, 3])).tolist() == [1, 1, 1]


@pytest.mark.parametrize("query", QUERIES)
def test_the_pool_is_the_gender_mix_of_every_match_in_every_partition(service, store, query):
    parsed = parse_query(query, service.taxonomy)
    every_match = service.broker.search(parsed)  # EVERYTHING: every partition's every match
    pool = stage_of(service).pool(parsed)
    assert pool.members == every_match.total == len(every_match)
    assert pool.counts.tolist() == store.counts(every_match.member_ids).tolist()
    assert not pool.partial


def test_one_shard_and_four_shards_count_the_same_pool(search_world, service, store):
    one = make(search_world, search_world.index_one, store)
    try:
        for query in QUERIES:
            a = stage_of(one).pool(parse_query(query, one.taxonomy)).counts
            b = stage_of(service).pool(parse_query(query, service.taxonomy)).counts
            assert a.tolist() == b.tolist(), query
    finally:
        one.close()


@pytest.mark.parametrize("query", QUERIES)
def test_the_stage_reorders_without_adding_or_dropping(service, query):
    before = service.rank(request(query, rerank=False)).candidates
    after = service.rank(request(query)).candidates
    assert sorted(after.member_ids.tolist()) == sorted(before.member_ids.tolist())
    where = {m: i for i, m in enumerate(before.member_ids.tolist())}
    rows = [where[m] for m in after.member_ids.tolist()]
    np.testing.assert_array_equal(after.features, before.features[rows])  # features follow
    np.testing.assert_array_equal(after.scores, before.scores[rows])  # each keeps its score


@pytest.mark.parametrize("query", QUERIES)
def test_detconstsort_meets_every_prefix_minimum_of_the_pool(service, store, query):
    run = service.rank(request(query, rerank_detconstsort=True))
    ids = run.candidates.member_ids
    shares = desired_shares(store.counts(ids))  # every match is a candidate here: list = pool
    assert infeasible(store.codes_of(ids), shares, len(ids)) == (0, 0)
    assert run.debug["rerank"]["algorithm"] == "detconstsort"


def test_switched_off_the_list_is_the_brokers(service):
    parsed = parse_query("nurse OR engineer", service.taxonomy)
    off = service.rank(request("nurse OR engineer", rerank=False))
    assert off.candidates.member_ids.tolist() == service.broker.search(parsed).member_ids.tolist()
    assert [(r.name, r.status) for r in off.reports] == [("broker", "ran"), ("rerank", "off")]
    assert off.debug == {}


def test_the_default_algorithm_is_detgreedy_and_a_request_may_pick_another(service):
    assert service.rank(request("nurse")).debug["rerank"]["algorithm"] == "detgreedy"
    assert service.rank(request("nurse", rerank_detcons=True)).debug["rerank"]["algorithm"] \
        == "detcons"


def test_picking_two_algorithms_fails_the_stage_and_keeps_the_order(service):
    run = service.rank(request("nurse", rerank_detcons=True, rerank_detrelaxed=True))
    report = run.reports[-1]
    assert report.status == "failed" and "pick one" in report.detail
    assert run.candidates.member_ids.tolist() == \
        service.rank(request("nurse", rerank=False)).candidates.member_ids.tolist()


def test_the_debug_section_holds_aggregate_figures_only(service):
    debug = service.search(request("nurse OR engineer")).debug
    assert set(debug) == {"rerank"}
    figures = debug["rerank"]
    assert set(figures) == {"algorithm", "k", "pool_members", "pool_partial", "pool_cached",
                            "pool_partitions_searched", "before", "after", "ndcg_kept"}
    assert set(figures["after"]) == {"k", "min_skew", "max_skew", "ndkl", "infeasible_index",
                                     "infeasible_count", "representative"}
    dumped = json.dumps(debug).lower()
    assert not any(word in dumped for word in (*GROUPS, "gender"))
    assert figures["after"]["infeasible_index"] == 0


def test_the_debug_figures_match_the_rankings(service, store):
    run = service.rank(request("python"))
    figures = run.debug["rerank"]
    ids = run.candidates.member_ids
    shares = desired_shares(stage_of(service).pool(parse_query("python",
                                                               service.taxonomy)).counts)
    assert figures["after"]["infeasible_index"] == infeasible(store.codes_of(ids), shares, 25)[0]
    assert 0.0 < figures["ndcg_kept"] <= 1.0


def test_configured_off_the_stage_runs_only_when_a_request_switches_it_on(search_world, store):
    svc = make(search_world, search_world.index_four, store, enabled=False)
    try:
        assert svc.rank(request("nurse")).reports[-1].status == "off"
        assert svc.rank(request("nurse", rerank=True)).reports[-1].status == "ran"
    finally:
        svc.close()


@pytest.mark.parametrize("choice, enabled, algorithm", [("detcons", True, "detcons"),
                                                         ("off", False, "detgreedy")])
def test_settings_choose_the_algorithm_or_turn_the_stage_off(settings, choice, enabled,
                                                             algorithm):
    from federator.rerank import RerankConfig
    from talent.settings import load_settings

    config = RerankConfig.from_settings(load_settings(home=settings.home,
                                                      rerank_algorithm=choice))
    assert (config.enabled, config.algorithm) == (enabled, algorithm)


def test_an_unknown_algorithm_setting_is_refused(settings):
    from talent.errors import ConfigError
    from talent.settings import load_settings

    with pytest.raises(ConfigError, match="rerank_algorithm"):
        load_settings(home=settings.home, rerank_algorithm="detmagic")


def test_the_pool_count_is_reused_for_the_same_query_and_index_version(service):
    parsed = parse_query("engineer", service.taxonomy)
    first, second = stage_of(service).pool(parsed), stage_of(service).pool(parsed)
    assert second.cached and second.counts.tolist() == first.counts.tolist()


def test_without_a_cache_every_search_counts_again(search_world, store):
    svc = make(search_world, search_world.index_four, store, pool_cache_seconds=0.0)
    try:
        parsed = parse_query("engineer", svc.taxonomy)
        assert not stage_of(svc).pool(parsed).cached and not stage_of(svc).pool(parsed).cached
    finally:
        svc.close()


def test_a_partition_that_fails_the_count_makes_the_pool_partial(search_world, store,
                                                                  monkeypatch):
    import federator.pool as pool_module

    real = pool_module.matching_member_ids

    def broken_shard_0(partition, query):
        if partition.shard == 0:
            raise RuntimeError("disk on fire")
        return real(partition, query)

    monkeypatch.setattr(pool_module, "matching_member_ids", broken_shard_0)
    svc = _small_top_k(search_world, store)  # partitions with over 20 matches are searched
    try:
        run = svc.rank(request("nurse OR engineer"))
        assert run.reports[-1].status == "ran"
        assert run.debug["rerank"]["pool_partial"] is True
        pool = stage_of(svc).pool(parse_query("nurse OR engineer", svc.taxonomy))
        assert (pool.partitions_answered, pool.partitions_total) == (3, 4)
        assert not pool.cached  # a partial count is not kept
    finally:
        svc.close()


def test_no_partition_answering_fails_the_stage_and_keeps_the_order(search_world, store,
                                                                     monkeypatch):
    import federator.pool as pool_module

    def broken(partition, query):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pool_module, "matching_member_ids", broken)
    svc = _small_top_k(search_world, store)
    try:
        query = "nurse OR engineer"  # over 20 matches in every partition: all are searched
        candidates = svc.broker.search(parse_query(query, svc.taxonomy))
        assert all((candidates.shards == s).sum() == 20 for s in range(4))
        run = svc.rank(request(query))
        assert run.reports[-1].status == "failed"
        assert "qualified-pool" in run.reports[-1].detail
        assert run.candidates.member_ids.tolist() == \
            svc.rank(request(query, rerank=False)).candidates.member_ids.tolist()
    finally:
        svc.close()


def test_a_query_without_matches_passes_through(service):
    run = service.rank(request('title:"zzz no such title"'))
    assert len(run.candidates) == 0 and run.reports[-1].status == "ran"


def test_the_service_built_from_settings_with_a_database_runs_the_stage(search_world):
    from federator.service import SearchService

    svc = SearchService.from_settings(search_world.settings, database=search_world.db,
                                      taxonomy=search_world.taxonomy, load_model=False)
    try:
        assert [s.name for s in svc.pipeline.stages] == ["broker", "bandit", "rerank"]
        assert [r.status for r in svc.rank(request("nurse")).reports] == ["ran", "ran", "ran"]
    finally:
        svc.close()


def test_the_store_file_is_used_until_the_table_changes(search_world, tmp_path, monkeypatch):
    import talent.protected as protected

    directory = tmp_path / "protected"
    first = protected.load_gender_store(search_world.db, directory)
    assert (directory / "gender.npy").stat().st_mode & 0o077 == 0  # its owner's only
    real_read = protected.read_gender_store

    def no_reading(database):
        raise AssertionError("the table was read although the file is current")

    monkeypatch.setattr(protected, "read_gender_store", no_reading)
    np.testing.assert_array_equal(protected.load_gender_store(search_world.db, directory).codes,
                                  first.codes)
    monkeypatch.setattr(protected, "read_gender_store", real_read)
    flip = ("UPDATE member_protected SET gender = CASE gender WHEN 'female' THEN 'male' ELSE "
            "'female' END WHERE member_id = (SELECT MIN(member_id) FROM member_protected WHERE "
            "gender <> 'unknown')")
    engine = search_world.db.engine
    try:
        with engine.begin() as conn:
            conn.execute(text(flip))
        changed = protected.load_gender_store(search_world.db, directory)
    finally:
        with engine.begin() as conn:
            conn.execute(text(flip))
    assert int((changed.codes != first.codes).sum()) == 1


def _small_top_k(search_world, store):
    """A service whose partitions return at most 20 candidates each."""
    from federator.rerank import RepresentativeRerank
    from federator.retrieval import Retrieval
    from federator.service import SearchService
    from index.serving.broker import Broker, BrokerSettings
    from index.serving.serving_index import ServingIndex

    broker = Broker(ServingIndex(search_world.index_four), search_world.taxonomy, None,
                    BrokerSettings(deadline_ms=30_000, partition_top_k=20))
    stage = RepresentativeRerank.build(broker, store)
    return SearchService(search_world.taxonomy, broker.serving, [Retrieval(broker), stage])


def test_partitions_that_returned_every_match_are_counted_from_the_candidates(service):
    parsed = parse_query("title:nurse", service.taxonomy)
    every = stage_of(service).pool(parsed)
    stage_of(service).pool._cache.clear()
    known = stage_of(service).pool(parsed, service.broker.search(parsed))
    assert known.searched == 0
    assert known.counts.tolist() == every.counts.tolist() and known.members == every.members


def test_partitions_with_more_matches_than_their_top_k_are_searched(search_world, store):
    svc = _small_top_k(search_world, store)
    try:
        for query in ("nurse OR engineer", "title:nurse", 'title:"software developer"'):
            parsed = parse_query(query, svc.taxonomy)
            candidates = svc.broker.search(parsed)
            pool = stage_of(svc).pool(parsed, candidates)
            stage_of(svc).pool._cache.clear()
            assert pool.counts.tolist() == stage_of(svc).pool(parsed).counts.tolist(), query
            stage_of(svc).pool._cache.clear()
            full = [s for s in range(4) if (candidates.shards == s).sum() == 20]
            assert pool.searched == len(full), query
    finally:
        svc.close()


def test_a_cut_list_is_noticed_and_every_partition_searched(service):
    parsed = parse_query("nurse OR engineer", service.taxonomy)
    candidates = service.broker.search(parsed)
    stage_of(service).pool._cache.clear()
    cut = stage_of(service).pool(parsed, candidates.reordered(np.arange(10)))
    stage_of(service).pool._cache.clear()
    assert cut.searched == 4
    assert cut.counts.tolist() == stage_of(service).pool(parsed).counts.tolist()
