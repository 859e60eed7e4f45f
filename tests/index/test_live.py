from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest
from index_world import make_member
from sqlalchemy import select

from index.build.builder import build_index
from index.build.forward_rows import ForwardTableBuilder
from index.build.live import LiveUpdater, VersionUpdater
from index.forward import DeltaLog, ForwardTable
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
from index.versions import VersionStore
from index.vocab import Vocabulary
from talent.errors import IndexUnavailable
from talent.storage.models import Member, MemberSkill


def _set_headline(world, member_id: int, headline: str) -> None:
    with world.db.session() as s:
        s.get(Member, member_id).headline = headline


def _apply(world, index_dir) -> int:
    with LiveUpdater(index_dir, world.db) as updater:
        return updater.run_once()


def test_an_updated_profile_is_searchable_after_update(world, built, index_dir):
    serving = ServingIndex(index_dir)
    mid = world.member_ids[7]
    _set_headline(world, mid, "Quokka wrangler")
    assert serving.count(Q.text("headline", "quokka")) == 0
    assert _apply(world, index_dir) == 1
    serving.refresh()
    hits = serving.search(Q.text("headline", "quokka"), 10)
    assert hits.member_ids.tolist() == [mid]
    assert serving.documents([mid])[0]["headline"] == "Quokka wrangler"
    assert serving.count(Q.all_docs()) == 200  # replaced, not added


def test_a_created_profile_is_searchable_with_features_after_update(world, built, index_dir):
    serving = ServingIndex(index_dir)
    with world.db.session() as s:
        m = make_member(random.Random(3))
        m.current_title = "Zeppelin Pilot"
        s.add(m)
        s.flush()
        mid = m.id
    _apply(world, index_dir)
    serving.refresh()
    assert serving.search(Q.phrase("title", "zeppelin pilot"), 5).member_ids.tolist() == [mid]
    batch = serving.features([mid])
    assert batch.found.all() and batch["title_len"][0] == 2


def test_a_deleted_profile_disappears_after_update(world, built, index_dir):
    serving = ServingIndex(index_dir)
    mid = world.member_ids[3]
    with world.db.session() as s:
        s.delete(s.get(Member, mid))
    _apply(world, index_dir)
    serving.refresh()
    assert mid not in serving.search(Q.all_docs(), 1000).member_ids.tolist()
    assert serving.count(Q.all_docs()) == 199
    assert not serving.features([mid]).found.any()
    assert serving.documents([mid]) == []


def test_a_new_skill_id_gets_a_code_serving_can_decode(world, built, index_dir):
    serving = ServingIndex(index_dir)
    mid = world.member_ids[0]
    with world.db.session() as s:
        s.add(MemberSkill(member_id=mid, skill_id="tech:cobol", name="COBOL", endorsements=4))
    _apply(world, index_dir)
    serving.refresh()
    batch = serving.features([mid])
    csr = batch.csr["skills"]
    names = {serving.vocab.term("skill", int(c)) for c in csr.indices[csr.indptr[0]:csr.indptr[1]]}
    assert "tech:cobol" in names
    assert serving.search(Q.term("skill_ids", "tech:cobol"), 5).member_ids.tolist() == [mid]


def test_update_records_the_applied_position_and_is_idempotent(world, built, index_dir):
    store = VersionStore(index_dir)
    before = store.applied_position(built.version)
    _set_headline(world, world.member_ids[1], "Walrus whisperer")
    assert _apply(world, index_dir) == 1
    assert store.applied_position(built.version) == before + 1
    assert _apply(world, index_dir) == 0
    # replaying from an earlier position changes nothing visible
    store.set_applied_position(built.version, before)
    assert _apply(world, index_dir) == 1
    serving = ServingIndex(index_dir)
    assert serving.count(Q.text("headline", "walrus")) == 1 and serving.count(Q.all_docs()) == 200


def test_changes_made_while_a_build_runs_are_replayed_before_the_swap(world, built,
                                                                      index_dir, monkeypatch):
    import index.build.builder as build_module

    real_split = build_module.split_by_shard
    mid = world.member_ids[11]

    def split_and_change(ids, shards):  # runs after the snapshot's high-water mark was taken
        _set_headline(world, mid, "Narwhal navigator")
        return real_split(ids, shards)

    monkeypatch.setattr(build_module, "split_by_shard", split_and_change)
    report = build_index(index_dir, world.url, shards=4, processes=0)
    assert report.replayed_changes == 1
    serving = ServingIndex(index_dir)
    assert serving.version == report.version
    assert serving.search(Q.text("headline", "narwhal"), 5).member_ids.tolist() == [mid]


def test_a_second_writer_on_the_same_version_gets_a_clear_error(world, built, index_dir):
    store = VersionStore(index_dir)
    first = VersionUpdater(store, built.version, world.db)
    try:
        with pytest.raises(IndexUnavailable, match="locked by another writer"):
            VersionUpdater(store, built.version, world.db)
    finally:
        first.close()


def test_the_updater_follows_current_to_a_new_version(world, built, index_dir):
    store = VersionStore(index_dir)
    with LiveUpdater(index_dir, world.db) as updater:
        updater.run_once()
        assert updater.version == built.version
        second = build_index(index_dir, world.url, shards=2, processes=0)
        _set_headline(world, world.member_ids[2], "Ocelot tamer")
        updater.run_once()
        assert updater.version == second.version
    assert store.applied_position(second.version) > store.applied_position(built.version)
    assert ServingIndex(index_dir).count(Q.text("headline", "ocelot")) == 1


def test_follow_makes_a_change_searchable_within_a_second(world, built, index_dir):
    serving = ServingIndex(index_dir)
    serving.start_auto_refresh(0.05)  # as every web worker does: no refresh by hand
    stop = threading.Event()
    updater = LiveUpdater(index_dir, world.db)
    thread = threading.Thread(target=updater.follow, kwargs={"poll_interval": 0.02, "stop": stop})
    thread.start()
    try:
        mid = world.member_ids[5]
        _set_headline(world, mid, "Axolotl advocate")
        written = time.perf_counter()
        while serving.count(Q.text("headline", "axolotl")) == 0:
            assert time.perf_counter() - written < 1.0, "not searchable within one second"
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(10)
        updater.close()
        serving.close()


def test_the_auto_refresher_follows_current_to_a_new_build_and_back(world, built, index_dir):
    before = set(threading.enumerate())
    serving = ServingIndex(index_dir)
    serving.start_auto_refresh(0.02)
    (refresher,
     ) = [t for t in threading.enumerate() if t not in before and t.name == "talent-index-refresh"]
    try:
        old = serving.version
        report = build_index(index_dir, world.url, shards=4, processes=0)
        deadline = time.perf_counter() + 5
        while serving.version != report.version:
            assert time.perf_counter() < deadline, "the new build was not picked up"
            time.sleep(0.01)
        VersionStore(index_dir).rollback(old)
        while serving.version != old:
            assert time.perf_counter() < deadline + 5, "the rollback was not picked up"
            time.sleep(0.01)
    finally:
        serving.close()
    assert not refresher.is_alive()  # close() stopped it


def test_deltas_shadow_the_base_and_compaction_keeps_the_newest_rows(tmp_path, world):
    from index.build.documents import ProfileReader

    with world.db.engine.connect() as conn:
        profiles = ProfileReader(conn).read(world.member_ids[:3])
    vocab = Vocabulary({})
    log = DeltaLog(tmp_path / "deltas")
    for seq, seniority in enumerate([1, 5, 7], start=1):
        b = ForwardTableBuilder(vocab)
        for p in profiles:
            p.seniority = seniority
            b.add(p)
        log.append(b.build(), seq)
    tomb = ForwardTableBuilder(vocab)
    tomb.add_deleted(profiles[0].member_id)
    log.append(tomb.build(), 4)
    overlay, state = log.load()
    log.compact()
    assert log.count() == 1
    compacted, _ = log.load()
    for table in (overlay, compacted):
        rows = table.lookup(np.array([p.member_id for p in profiles]))
        assert table.deleted[rows].tolist() == [True, False, False]
        assert table.columns["seniority"][rows[1:]].tolist() == [7, 7]
    assert state.last_seq == 4


def test_a_delta_appended_with_a_taken_sequence_number_gets_the_next_one(tmp_path, world):
    """Late outbox changes (ids below the applied position) must not overwrite an earlier delta."""
    from index.build.documents import ProfileReader

    with world.db.engine.connect() as conn:
        profile, other = ProfileReader(conn).read(world.member_ids[:2])
    log = DeltaLog(tmp_path / "deltas")
    first, late = ForwardTableBuilder(Vocabulary({})), ForwardTableBuilder(Vocabulary({}))
    first.add(profile)
    late.add(other)
    assert log.append(first.build(), 7).name == "delta-000000000007.npz"
    assert log.append(late.build(), 7).name == "delta-000000000008.npz"
    overlay, state = log.load()
    assert sorted(overlay.member_ids.tolist()) == sorted([profile.member_id, other.member_id])
    assert state.last_seq == 8


def test_sqlite_outbox_ids_commit_in_order_so_no_gaps_are_tracked(world, built, index_dir):
    store = VersionStore(index_dir)
    _set_headline(world, world.member_ids[2], "Ocelot observer")
    with LiveUpdater(index_dir, world.db) as updater:
        assert updater.run_once() == 1
        assert updater._updater.track_gaps is False and updater._updater.gaps == {}
    assert not (store.path(built.version) / "outbox_gaps.json").exists()


def test_an_overlay_row_wins_over_the_base_row(world):
    from index.build.documents import ProfileReader
    from index.forward import ForwardStore

    with world.db.engine.connect() as conn:
        profiles = ProfileReader(conn).read(world.member_ids[:4])
    vocab = Vocabulary({})
    base = ForwardTableBuilder(vocab)
    for p in profiles:
        base.add(p)
    over = ForwardTableBuilder(vocab)
    profiles[1].seniority = 8
    profiles[1].skill_ids, profiles[1].endorsements = (profiles[1].skill_ids[:1],
                                                       profiles[1].endorsements[:1])
    over.add(profiles[1])
    store = ForwardStore(base.build(), ForwardTable.newest_rows([over.build()]))
    batch = store.gather([p.member_id for p in profiles])
    assert batch["seniority"][1] == 8
    assert np.diff(batch.csr["skills"].indptr).tolist()[1] == 1
    assert batch.found.all()


def test_member_rows_in_the_database_match_the_index_after_many_updates(world, built, index_dir):
    rng = random.Random(9)
    for k in range(30):
        _set_headline(world, rng.choice(world.member_ids), f"revision{k}")
    _apply(world, index_dir)
    serving = ServingIndex(index_dir)
    with world.db.session() as s:
        expected = dict(s.execute(select(Member.id, Member.headline)).all())
    docs = serving.documents(list(expected))
    assert {d["member_id"]: d["headline"] for d in docs} == expected


def test_the_updater_refuses_a_version_built_with_another_schema(world, built, index_dir):
    import json

    manifest = VersionStore(index_dir).path(built.version) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["schema_hash"] = "0000"
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexUnavailable, match="schema 0000"):
        _apply(world, index_dir)


def test_a_database_error_while_updating_is_a_clear_database_error(world, built, index_dir):
    from sqlalchemy import text

    from talent.errors import DatabaseUnavailable

    with world.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE profile_changes"))
    with pytest.raises(DatabaseUnavailable, match="profile_changes"):
        _apply(world, index_dir)


def test_follow_keeps_going_through_a_database_outage(world, built, index_dir, monkeypatch):
    from talent.errors import DatabaseUnavailable

    real = VersionUpdater.apply_batch
    failures = [2]

    def flaky(self, batch_size=1000):
        if failures[0] > 0:
            failures[0] -= 1
            raise DatabaseUnavailable("database is restarting")
        return real(self, batch_size)

    monkeypatch.setattr(VersionUpdater, "apply_batch", flaky)
    _set_headline(world, world.member_ids[4], "Tapir tailor")
    stop = threading.Event()
    updater = LiveUpdater(index_dir, world.db)
    thread = threading.Thread(target=updater.follow, kwargs={"poll_interval": 0.01, "stop": stop})
    thread.start()
    try:
        serving = ServingIndex(index_dir)
        deadline = time.time() + 15
        while serving.count(Q.text("headline", "tapir")) == 0:
            assert time.time() < deadline and thread.is_alive()
            time.sleep(0.05)
            serving.refresh()
    finally:
        stop.set()
        thread.join(10)
        updater.close()
    assert failures[0] == 0


def _tokens_and_pages(serving: ServingIndex, ids: list[int]) -> dict:
    from index.forward import TOKEN_FIELDS

    snap = serving.snapshot()
    out = {}
    for mid in ids:
        partition = snap.partitions[int(snap.partition_of([mid])[0])]
        batch = partition.features([mid])
        rows = {f: [snap.vocab.term("token", int(c)) for c in batch.tokens(f).indices.tolist()]
                for f in TOKEN_FIELDS}
        out[mid] = (rows, partition.documents([mid]))
    return out


def test_live_updated_token_rows_and_pages_equal_a_rebuilds(world, built, index_dir, tmp_path):
    """A delta row holds the tokens and page record a fresh build makes of the same profile
    (new words too: tokens the version's vocabulary did not have get codes)."""
    changed = world.member_ids[3:9]
    for k, mid in enumerate(changed):
        _set_headline(world, mid, f"Zorblax-{k} wrangler of quokkas")
    _apply(world, index_dir)
    live = _tokens_and_pages(ServingIndex(index_dir), changed)
    build_index(tmp_path / "fresh", world.url, shards=4, processes=0)
    fresh = _tokens_and_pages(ServingIndex(tmp_path / "fresh"), changed)
    assert live == fresh
    assert "zorblax" in live[changed[0]][0]["headline"]


def _coverage(serving: ServingIndex, ids: list[int], tokens: list[str]) -> np.ndarray:
    """Text coverage of ``ids`` (one batch per partition, in ``ids`` order) for a plan whose
    headline and summary ask for ``tokens``."""
    from dataclasses import replace

    from index.l1.coverage import coverage_query, text_coverage
    from index.serving.plan import BoolNode, QueryFeatures, QueryPlan

    weights = tuple((t, 1.0 + k) for k, t in enumerate(tokens))
    plan = QueryPlan(BoolNode(), replace(QueryFeatures.empty(),
                                                coverage={"headline": weights,
                                                          "summary": weights}), 1, {})
    snap = serving.snapshot()
    owner = snap.partition_of(ids)
    out = np.zeros((len(ids), 6), dtype=np.float32)
    for shard in np.unique(owner):
        rows = np.flatnonzero(owner == shard)
        partition = snap.partitions[int(shard)]
        batch = partition.features(np.asarray(ids)[rows])
        out[rows] = text_coverage(batch, coverage_query(plan, snap.vocab))
    return out


def test_text_coverage_of_live_updated_members_equals_a_rebuilds(world, built, index_dir,
                                                                   tmp_path):
    """The coverage loop reads a live-updated member's tokens from the overlay (in a batch that
    mixes overlay and base rows) and gets what a rebuild gets from its base table."""
    changed = world.member_ids[3:9]
    for k, mid in enumerate(changed):
        _set_headline(world, mid, f"Zorblax-{k} wrangler of quokkas")
    _apply(world, index_dir)
    live = ServingIndex(index_dir)
    assert sum(len(p.forward.overlay) for p in live.snapshot().partitions) == len(changed)
    rows = _tokens_and_pages(live, changed)
    tokens = sorted({t for mid in changed for t in rows[mid][0]["headline"]})[:6]
    tokens += sorted({t for mid in world.member_ids[:40]
                      for t in _tokens_and_pages(live, [mid])[mid][0]["summary"]})[:8]
    ids = list(world.member_ids[:40])
    build_index(tmp_path / "fresh", world.url, shards=4, processes=0)
    mine, fresh = _coverage(live, ids, tokens), _coverage(ServingIndex(tmp_path / "fresh"), ids,
                                                          tokens)
    np.testing.assert_array_equal(mine, fresh)
    assert (mine[3:9, 2] > 0).all() and np.count_nonzero(mine[:, 3]) > 5
