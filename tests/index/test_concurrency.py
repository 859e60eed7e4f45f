"""Searches running while a stream of updates is applied: no duplicates, nothing lost or undone."""

from __future__ import annotations

import threading
import time

from index.build.live import LiveUpdater
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
from index.versions import VersionStore
from talent.storage.models import Member


def test_concurrent_searches_never_see_a_member_twice_or_lose_an_update(world, built, index_dir):
    serving = ServingIndex(index_dir)
    tracked = world.member_ids[:12]
    rounds = 30
    stop = threading.Event()
    problems: list[str] = []
    searches = [0]

    def reader() -> None:
        seen: dict[int, int] = {}
        while not stop.is_set():
            ids = [m for p in serving.partitions
                   for m in p.search(Q.all_docs(), 1000).member_ids.tolist()]
            if len(ids) != len(set(ids)) or len(ids) != 200:
                problems.append(f"saw {len(ids)} hits, {len(set(ids))} distinct")
            docs = serving.documents(tracked)
            feats = serving.features(tracked)
            for doc, years in zip(docs, feats["years_experience"].tolist()):
                rev = int(doc["headline"].split()[-1]) if doc["headline"].startswith("rev ") else -1
                if rev < seen.get(doc["member_id"], -1):
                    problems.append(f"member {doc['member_id']} went back from rev "
                                    f"{seen[doc['member_id']]} to {rev}")
                if rev >= 0 and years < rev:
                    problems.append(f"member {doc['member_id']}: features older than document "
                                    f"({years} < {rev})")
                seen[doc["member_id"]] = rev
            searches[0] += 1
            time.sleep(0.002)  # leave the updater some GIL

    def refresher() -> None:
        while not stop.is_set():
            serving.refresh()
            time.sleep(0.005)

    updater = LiveUpdater(index_dir, world.db, batch_size=50)
    follow_stop = threading.Event()
    threads = ([threading.Thread(target=reader) for _ in range(3)]
               + [threading.Thread(target=refresher)])
    follower = threading.Thread(target=updater.follow,
                                kwargs={"poll_interval": 0.005, "stop": follow_stop})
    for t in threads + [follower]:
        t.start()
    last: dict[int, int] = {}
    try:
        for k in range(rounds):
            with world.db.session() as s:
                for mid in tracked[k % 3::3]:
                    m = s.get(Member, mid)
                    m.headline, m.years_experience = f"rev {k}", float(k)
                    last[mid] = k
            time.sleep(0.01)
        target = VersionStore(index_dir)
        deadline = time.time() + 20
        while (target.applied_position(built.version) < _outbox_max(world)
               and time.time() < deadline):
            time.sleep(0.02)
        time.sleep(0.1)
    finally:
        stop.set()
        follow_stop.set()
        for t in threads + [follower]:
            t.join(20)
        updater.close()
    assert not problems, problems[:5]
    assert searches[0] > 10
    serving.refresh()
    final = {d["member_id"]: int(d["headline"].split()[-1]) for d in serving.documents(tracked)}
    assert final == last


def _outbox_max(world) -> int:
    from index.build.documents import outbox_position

    with world.db.engine.connect() as conn:
        return outbox_position(conn)
