"""Sharding does not change the ranking; a dead or slow partition gives flagged partial results.

Every behaviour is checked on both backends (threads, Ray actors); killing an actor mid-query
is the Ray backend's own fault.
"""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import pytest
from conftest import BACKENDS, make_service

from federator.types import SearchRequest
from talent.query import parse_query

QUERIES = ["python", 'title:"software developer" skill:python',
           "title:nurse OR title:\"data scientist\"", '"machine learning" sql',
           "title:nurse NOT skill:python", "manager"]


@pytest.mark.parametrize("query", QUERIES)
def test_one_and_four_shards_return_the_same_ranked_ids(one, four_on, query):
    a = one.broker.search(parse_query(query, one.taxonomy))
    b = four_on.broker.search(parse_query(query, four_on.taxonomy))
    assert a.total == b.total
    assert a.member_ids.tolist() == b.member_ids.tolist()
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_and_four_shards_rank_the_same_with_the_model(search_world, trained, backend, request):
    from index.l1.model import load_current_model

    if backend == "ray":
        request.getfixturevalue("ray_local")
    model = load_current_model(search_world.settings.models_dir)
    s1 = make_service(search_world, search_world.index_one, model)
    s4 = make_service(search_world, search_world.index_four, model, backend=backend)
    try:
        for query in QUERIES:
            a = s1.broker.search(parse_query(query, s1.taxonomy))
            b = s4.broker.search(parse_query(query, s4.taxonomy))
            n = min(len(a), len(b))  # 1 shard returns its top k, 4 shards up to 4 x k
            assert n > 0 and a.member_ids[:n].tolist() == b.member_ids[:n].tolist(), query
            assert b.ranker == model.name
    finally:
        s1.close()
        s4.close()


# --- faults --------------------------------------------------------------------------------------
class Faults:
    """Makes partitions of one backend slow or broken (threads: the partition object; Ray: the
    partition's actor, through :mod:`ray_faults`)."""

    def __init__(self, backend: str, index_dir, serving, monkeypatch):
        self.backend, self.index_dir, self.serving = backend, index_dir, serving
        self.monkeypatch = monkeypatch

    def slow(self, shard: int, seconds: float) -> None:
        if self.backend == "ray":
            from ray_faults import set_faults

            set_faults(self.index_dir, sleep={shard: seconds})
            return
        partition = self.serving.partitions[shard]
        real = partition.search

        def late(query, limit):
            time.sleep(seconds)
            return real(query, limit)

        self.monkeypatch.setattr(partition, "search", late)

    def broken(self, shard: int, message: str) -> None:
        if self.backend == "ray":
            from ray_faults import set_faults

            set_faults(self.index_dir, raise_={shard: message})
            return

        def broken(query, limit):
            raise OSError(message)

        self.monkeypatch.setattr(self.serving.partitions[shard], "search", broken)

    def clear(self) -> None:
        if self.backend == "ray":
            from ray_faults import set_faults

            set_faults(self.index_dir)


@pytest.fixture(scope="session")
def faulty_ray_serving(search_world, ray_local, tmp_path_factory):
    """Ray actors of a copy of the 4-shard index whose faults tests switch on and off."""
    import ray_faults

    from index.cluster.serving import ClusterServing

    ray_faults.register()
    index_dir = tmp_path_factory.mktemp("faulty") / "index"
    shutil.copytree(search_world.index_four, index_dir)
    ray_faults.set_faults(index_dir)
    serving = ClusterServing(index_dir, actor_class=ray_faults.FaultyPartitionActor)
    yield index_dir, serving
    serving.close(retire_actors=True)


@pytest.fixture(params=BACKENDS)
def faults(request, search_world, monkeypatch):
    """(service factory, faults) of one backend; faults are cleared afterwards."""
    if request.param == "ray":
        index_dir, serving = request.getfixturevalue("faulty_ray_serving")
    else:
        from index.serving.serving_index import ServingIndex

        index_dir, serving = search_world.index_four, ServingIndex(search_world.index_four)
    injected = Faults(request.param, index_dir, serving, monkeypatch)

    def service(**broker):
        return make_service(search_world, index_dir, serving=serving, backend=request.param,
                            **broker)

    yield service, injected
    injected.clear()


def test_a_slow_partition_gives_partial_flagged_results(faults):
    make, injected = faults
    svc = make(deadline_ms=300)
    try:
        injected.slow(2, 1.0)
        response = svc.search(SearchRequest(1, 1, "python"))
        assert response.partial
        assert response.partitions_answered == [0, 1, 3]
        assert response.total > 0 and response.results
        assert all(svc.serving.snapshot().partition_of([r.member_id])[0] != 2
                   for r in response.results)
    finally:
        svc.broker.close()


def test_a_failing_partition_gives_partial_flagged_results(faults):
    make, injected = faults
    svc = make()
    try:
        injected.broken(0, "disk gone")
        result = svc.broker.search(parse_query("python", svc.taxonomy))
        assert result.partial and result.partitions_answered == [1, 2, 3]
        assert "disk gone" in result.failures[0]
    finally:
        svc.broker.close()


def test_all_partitions_answering_is_not_partial(four_on):
    response = four_on.search(SearchRequest(1, 1, "python"))
    assert not response.partial and response.partitions_answered == [0, 1, 2, 3]


@pytest.mark.ray
def test_an_actor_killed_mid_query_gives_flagged_partial_results_then_restarts_whole(
        search_world, faulty_ray_serving):
    import ray
    from ray_faults import set_faults

    index_dir, serving = faulty_ray_serving
    svc = make_service(search_world, index_dir, serving=serving, backend="ray",
                       deadline_ms=20_000)
    parsed = parse_query("python", svc.taxonomy)
    whole = svc.broker.search(parsed)
    victim = serving.partitions[1]
    old_pid = ray.get(victim.actor.ready.remote()).pid
    marker = index_dir / "scoring-1"
    marker.unlink(missing_ok=True)
    set_faults(index_dir, sleep={1: 30.0})
    answer: list = []
    query = threading.Thread(target=lambda: answer.append(svc.broker.search(parsed)))
    query.start()
    try:
        deadline = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < deadline:  # shard 1 is in the query
            time.sleep(0.01)
        assert marker.exists()
        set_faults(index_dir)
        killed = time.perf_counter()
        ray.kill(victim.actor, no_restart=False)
        query.join(timeout=20)
        partial = answer[0]
        assert partial.partial and partial.partitions_answered == [0, 2, 3]
        # the death was noticed (not the 20 s deadline: its reason would be "missed the ...")
        assert "partition actor unavailable" in partial.failures[1]
        again = svc.broker.search(parsed)  # calls wait for the restart (it reopens its shard)
        while again.partial and time.perf_counter() - killed < 120:  # a restart past 20 s
            again = svc.broker.search(parsed)
        assert not again.partial and again.member_ids.tolist() == whole.member_ids.tolist()
        assert ray.get(victim.actor.ready.remote()).pid != old_pid
    finally:
        set_faults(index_dir)
        query.join(timeout=30)
        svc.broker.close()
