"""The broker's executor seam: every partition is reached through the executor, and a plan sent
to a shard server (what a partition actor runs) scores as the partition in this process does."""

from __future__ import annotations

import pickle

import numpy as np
from conftest import EVERYTHING

from index.serving.broker import Broker, BrokerSettings
from index.serving.executors import FanOut, ThreadExecutor
from talent.query import parse_query


class Recording(ThreadExecutor):
    """A thread executor that records its calls and can drop a partition's answer."""

    def __init__(self, drop: int | None = None):
        super().__init__()
        self.calls: list[str] = []
        self.drop = drop

    def term_statistics(self, snapshot, terms):
        self.calls.append("statistics")
        return super().term_statistics(snapshot, terms)

    def fan_out(self, snapshot, plan, scorer, work, deadline_s):
        self.calls.append("fan_out")
        fan = super().fan_out(snapshot, plan, scorer, work, deadline_s)
        if self.drop is None:
            return fan
        return FanOut([r for r in fan.results if r.shard != self.drop],
                      {**fan.failures, self.drop: "dropped by the test"})


def test_the_broker_reaches_partitions_only_through_its_executor(four):
    executor = Recording()
    broker = Broker(four.serving, four.taxonomy, settings=BrokerSettings(**EVERYTHING),
                    executor=executor)
    result = broker.search(parse_query("python", four.taxonomy))
    assert executor.calls == ["statistics", "fan_out"]
    expected = four.broker.search(parse_query("python", four.taxonomy))
    assert result.member_ids.tolist() == expected.member_ids.tolist()
    broker.close()


def test_a_partition_the_executor_reports_failed_makes_a_flagged_partial_result(four):
    broker = Broker(four.serving, four.taxonomy, settings=BrokerSettings(**EVERYTHING),
                    executor=Recording(drop=3))
    result = broker.search(parse_query("python", four.taxonomy))
    assert result.partial and result.partitions_answered == [0, 1, 2]
    assert result.failures == {3: "dropped by the test"}
    broker.close()


def test_a_plan_sent_to_a_shard_server_scores_as_the_partition_here(search_world, four):
    from index.cluster.shard_server import ShardServer, plan_message
    from index.l1.scoring import score_partition
    from index.serving.executors import PartitionWork
    from index.versions import VersionStore

    version = VersionStore(search_world.index_four).current()
    snapshot = four.serving.snapshot()
    plan = four.broker.plan(parse_query('title:"software developer" skill:python',
                                        four.taxonomy), snapshot)
    work = PartitionWork(depth=500, top_k=50, facet_fields=("title_id", "seniority"))
    for shard in range(4):
        server = ShardServer(str(search_world.index_four), version, shard, reload_interval=0)
        message = pickle.loads(pickle.dumps(plan_message(plan, shard)))  # as it travels
        remote = server.score(message, None, work)
        here = score_partition(snapshot, snapshot.partitions[shard], plan, None, depth=500,
                               top_k=50, facet_fields=("title_id", "seniority"))
        assert remote.member_ids.tolist() == here.member_ids.tolist() and remote.count > 0
        np.testing.assert_allclose(remote.features, here.features, rtol=1e-6)
        assert remote.facets == here.facets
        server.close()
