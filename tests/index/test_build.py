from __future__ import annotations

import numpy as np
from sqlalchemy import select

from index.build.builder import build_index
from index.schema import STORED_FIELDS, analyze, schema_hash
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
from index.sharding import shard_of
from index.versions import VersionStore
from talent.storage.models import Member, MemberSkill


def _ids_per_partition(serving: ServingIndex) -> list[set[int]]:
    return [set(p.search(Q.all_docs(), 10_000).member_ids.tolist()) for p in serving.partitions]


def test_every_member_is_in_exactly_one_shard_its_hash_names(world, built, index_dir):
    parts = _ids_per_partition(ServingIndex(index_dir))
    assert sum(len(p) for p in parts) == len(world.member_ids)
    assert set().union(*parts) == set(world.member_ids)
    for shard, ids in enumerate(parts):
        assert all(shard_of(m, 4) == shard for m in ids)


def test_build_writes_a_manifest_and_then_serves_the_new_version(world, built, index_dir):
    store = VersionStore(index_dir)
    assert store.current() == built.version
    m = store.read_manifest(built.version)
    assert (m.shard_count, m.member_count, m.schema_hash) == (4, 200, schema_hash())
    assert sum(m.shard_members) == 200 and m.build_seconds > 0 and m.snapshot_time
    assert not (store.path(built.version) / "BUILDING").exists()


def test_process_and_in_process_builds_index_the_same_members(world, index_dir, tmp_path):
    inline = build_index(tmp_path / "a", world.url, shards=3, processes=0)
    spawned = build_index(tmp_path / "b", world.url, shards=3, processes=2)
    assert inline.shard_members == spawned.shard_members
    a, b = ServingIndex(tmp_path / "a"), ServingIndex(tmp_path / "b")
    assert _ids_per_partition(a) == _ids_per_partition(b)
    ids = np.array(world.member_ids)
    fa, fb = a.features(ids), b.features(ids)
    for col in ("occupation", "seniority", "completeness", "last_active_day"):
        assert np.array_equal(fa[col], fb[col])


def test_forward_features_match_the_database(world, built, index_dir):
    serving = ServingIndex(index_dir)
    ids = world.member_ids[:40]
    batch = serving.features(ids)
    assert batch.found.all() and batch.member_ids.tolist() == ids
    with world.db.session() as s:
        members = {m.id: m for m in s.scalars(select(Member).where(Member.id.in_(ids)))}
        skills = {}
        for mid, sid in s.execute(select(MemberSkill.member_id, MemberSkill.skill_id).where(
                MemberSkill.member_id.in_(ids))):
            skills.setdefault(mid, set()).add(sid)
    vocab = serving.vocab
    csr = batch.csr["skills"]
    for row, mid in enumerate(ids):
        m = members[mid]
        assert vocab.term("occupation", int(batch["occupation"][row])) == m.occupation_id
        assert batch["seniority"][row] == m.seniority and batch["metro"][row] == m.metro_id
        assert (batch["company"][row] == m.current_company_id
                and batch["open_to_work"][row] == m.open_to_work)
        codes = csr.indices[csr.indptr[row]:csr.indptr[row + 1]]
        assert {vocab.term("skill", int(c)) for c in codes} == skills[mid]
    matrix = batch.skills(vocab.size("skill"))
    assert matrix.shape == (40, vocab.size("skill")) and (matrix.data >= 1.0).all()


def test_unknown_member_ids_come_back_not_found(built, index_dir):
    batch = ServingIndex(index_dir).features([10**9, 10**9 + 1])
    assert not batch.found.any() and (batch["occupation"] == -1).all()


def test_page_documents_hold_only_what_the_results_page_shows(world, built, index_dir):
    serving = ServingIndex(index_dir)
    docs = serving.documents(world.member_ids[:5])
    assert [d["member_id"] for d in docs] == world.member_ids[:5]
    shown = {"member_id", "name", "title", "company", "location", "headline", "summary", "skills",
             "open_to_work"}
    assert all(set(d) <= shown for d in docs) and all(isinstance(d["skills"], list) for d in docs)


def test_tantivy_stores_only_the_member_id(world, built, index_dir):
    """Pages come from the forward store: Tantivy keeps no copy of the shown fields."""
    assert STORED_FIELDS == ("member_id",)


def test_documents_highlight_matched_terms(world, built, index_dir):
    serving = ServingIndex(index_dir)
    hits = serving.search(Q.text("headline", "engineer"), 3)
    docs = serving.documents(hits.member_ids, highlight=analyze("headline", "engineer"))
    # stemmed: Engineer(ing)
    assert docs and all("<b>Engineer" in d["highlights"]["headline"] for d in docs)


def test_facet_counts_summed_over_partitions_equal_the_match_count(world, built, index_dir):
    from index.serving.partition import merge_facets

    serving = ServingIndex(index_dir)
    query = Q.term("skill_ids", "tech:sql")
    facets = merge_facets(p.facets(query, ["metro_id", "open_to_work", "title_id"])
                          for p in serving.partitions)
    total = serving.count(query)
    assert total > 0
    for field in ("metro_id", "open_to_work", "title_id"):
        assert sum(facets[field].values()) == total


def test_a_failing_worker_process_fails_the_build_with_a_one_line_reason(world,
                                                                         index_dir, monkeypatch):
    import pytest
    from sqlalchemy import text

    import index.build.builder as build_module
    from index.versions import VersionStore
    from talent.errors import IndexUnavailable

    real_split = build_module.split_by_shard

    # after the parent read the ids, before workers start
    def split_then_break_the_database(ids, shards):
        with world.db.engine.begin() as conn:
            conn.execute(text("DROP TABLE member_skills"))
        return real_split(ids, shards)

    monkeypatch.setattr(build_module, "split_by_shard", split_then_break_the_database)
    with pytest.raises(IndexUnavailable,
                       match=r"^building shard \d failed: .*member_skills") as err:
        build_index(index_dir, world.url, shards=2, processes=1)
    assert "\n" not in str(err.value)
    store = VersionStore(index_dir)
    assert store.current() is None and [i.state for i in store.list()] == ["failed"]
