"""The Ray backend's index side on a local Ray instance: builds as tasks, live updates routed to
the owning partition's actor, a new version swapped in without dropping a search."""

from __future__ import annotations

import threading
import time

import pytest

from index.build.builder import build_index
from index.build.live import LiveUpdater, ShardWriter
from index.serving.serving_index import ServingIndex
from index.sharding import shard_of
from index.versions import VersionStore
from talent.errors import IndexUnavailable
from talent.storage.models import Member

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_local")]


def _taxonomy():
    from talent.taxonomy import load_taxonomy

    return load_taxonomy(None)


def test_a_build_as_ray_tasks_writes_the_shards_and_manifest_the_process_build_writes(
        world, built, tmp_path):
    from index.cluster.build import ray_shard_runner
    from index.serving import queries as Q

    report = build_index(tmp_path / "ray-index", world.url, shards=4, runner=ray_shard_runner())
    assert report.runner == "ray tasks"
    ours = VersionStore(tmp_path / "ray-index").require_current()[1]
    theirs = VersionStore(tmp_path / "index").require_current()[1]
    assert ours.shard_members == theirs.shard_members and ours.member_count == 200
    assert ours.vocab_sizes == theirs.vocab_sizes
    a, b = ServingIndex(tmp_path / "ray-index"), ServingIndex(tmp_path / "index")
    for query in (Q.text("title", "nurse"), Q.term("skill_ids", "tech:python"), Q.all_docs()):
        assert a.search(query, 500).member_ids.tolist() == b.search(query, 500).member_ids.tolist()


def test_a_failing_build_task_fails_the_build_and_keeps_current(world, built, index_dir):
    from index.cluster.build import ray_shard_runner

    before = VersionStore(index_dir).current()
    with pytest.raises(IndexUnavailable, match="building shard .* failed"):
        build_index(index_dir, world.url, shards=4, heap_bytes=1000, runner=ray_shard_runner())
    store = VersionStore(index_dir)
    assert store.current() == before
    assert [i.state for i in store.list() if not i.is_current] == ["failed"]


def test_a_live_update_is_applied_by_the_owning_partition_actor_and_served_at_once(
        world, built, index_dir):
    import ray

    from index.cluster.live import actor_writers
    from index.cluster.serving import ClusterServing

    # actors that never reload on their own: only the routed update can make the change visible
    serving = ClusterServing(index_dir, reload_interval=0)
    try:
        mid = world.member_ids[11]
        owner = shard_of(mid, 4)
        with world.db.session() as s:
            s.get(Member, mid).headline = "Quokka wrangler"
        with LiveUpdater(index_dir, world.db, open_writer=actor_writers(index_dir)) as updater:
            assert updater.run_once() == 1
            # the owning actor holds the shard's writer lock: no second writer can open it
            version = VersionStore(index_dir).current()
            with pytest.raises(IndexUnavailable, match="locked by another writer"):
                ShardWriter(owner, VersionStore.shard_dir(VersionStore(index_dir).path(version),
                                                          owner))
        counts = ray.get([p.actor.term_statistics.remote({"headline": ["quokka"]})
                          for p in serving.partitions])
        found = {shard: freqs[("headline", "quokka")] for shard, (_, freqs) in enumerate(counts)}
        assert found == {s: int(s == owner) for s in range(4)}
        # the broker process's page reads follow on its next refresh (same version)
        assert serving.refresh() is False
        assert serving.documents([mid])[0]["headline"] == "Quokka wrangler"
    finally:
        serving.close(retire_actors=True)


def test_a_new_version_is_swapped_in_without_dropping_a_search(world, built, index_dir):
    import ray
    from ray.exceptions import RayActorError

    from index.cluster.executor import RayExecutor
    from index.cluster.serving import ClusterServing
    from index.serving.broker import Broker, BrokerSettings
    from talent.query import parse_query

    taxonomy = _taxonomy()
    serving = ClusterServing(index_dir, retire_after=1.0)
    broker = Broker(serving, taxonomy, settings=BrokerSettings(deadline_ms=10_000),
                    executor=RayExecutor())
    parsed = parse_query("nurse", taxonomy)
    old_version = serving.version
    old_actors = [p.actor for p in serving.partitions]
    seen: list[tuple[str, bool, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_forever() -> None:
        while not stop.is_set():
            try:
                snapshot_version = serving.snapshot().version
                result = broker.search(parsed)
                seen.append((snapshot_version, result.partial, result.total))
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    searcher = threading.Thread(target=search_forever)
    searcher.start()
    try:
        report = build_index(index_dir, world.url, shards=4, processes=0)
        assert serving.refresh() is True
        time.sleep(0.5)  # searches on the new version
    finally:
        stop.set()
        searcher.join(timeout=30)
    try:
        assert not errors
        assert {v for v, _, _ in seen} == {old_version, report.version}
        assert not any(partial for _, partial, _ in seen)
        assert len({total for _, _, total in seen}) == 1  # same world, same answer
        time.sleep(1.5)  # past retire_after: the old version's actors are gone
        with pytest.raises(RayActorError):
            ray.get(old_actors[0].ready.remote(), timeout=30)
    finally:
        broker.close()
        serving.close(retire_actors=True)


def test_an_actor_that_cannot_open_its_shard_is_a_clear_error(world, built, index_dir):
    import shutil

    from index.cluster.actors import open_partitions

    version = VersionStore(index_dir).current()
    shutil.rmtree(VersionStore.shard_dir(VersionStore(index_dir).path(version), 2) / "forward")
    with pytest.raises(IndexUnavailable, match=r"partition actor .* could not open its shard: "
                                               r".*shard-2/forward/member_ids.npy is missing"):
        open_partitions(index_dir, version, 4, timeout=300)
