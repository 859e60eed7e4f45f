from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from index.build.builder import build_index
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
from index.versions import VersionStore
from talent.errors import IndexUnavailable, NotFound


def test_a_missing_manifest_is_named_in_the_error(built, index_dir):
    store = VersionStore(index_dir)
    manifest = store.path(built.version) / "manifest.json"
    manifest.unlink()
    with pytest.raises(IndexUnavailable, match=str(manifest)):
        ServingIndex(index_dir)


def test_a_corrupt_manifest_is_named_in_the_error(built, index_dir):
    manifest = VersionStore(index_dir).path(built.version) / "manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(IndexUnavailable, match=f"{manifest}.*corrupt"):
        ServingIndex(index_dir)


def test_a_manifest_missing_keys_is_corrupt(built, index_dir):
    manifest = VersionStore(index_dir).path(built.version) / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["shard_count"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexUnavailable, match="missing shard_count"):
        ServingIndex(index_dir)


def test_a_missing_shard_is_named_in_the_error(built, index_dir):
    shard = VersionStore(index_dir).path(built.version) / "shard-2"
    shutil.rmtree(shard)
    with pytest.raises(IndexUnavailable, match=f"shard 2 .*{shard}.* missing"):
        ServingIndex(index_dir)


def test_a_corrupt_tantivy_shard_is_named_in_the_error(built, index_dir):
    meta = VersionStore(index_dir).path(built.version) / "shard-1" / "tantivy" / "meta.json"
    meta.write_text("garbage")
    with pytest.raises(IndexUnavailable, match="shard 1 .*corrupt"):
        ServingIndex(index_dir)


def test_a_truncated_forward_file_is_named_in_the_error(built, index_dir):
    col = VersionStore(index_dir).path(built.version) / "shard-3" / "forward" / "col_seniority.npy"
    col.write_bytes(col.read_bytes()[:20])
    with pytest.raises(IndexUnavailable, match=str(col)):
        ServingIndex(index_dir)


def test_a_forward_store_of_the_wrong_size_is_refused(world, built, index_dir):
    import numpy as np

    fdir = VersionStore(index_dir).path(built.version) / "shard-0" / "forward"
    np.save(fdir / "col_seniority.npy", np.zeros(3, dtype=np.int8))
    with pytest.raises(IndexUnavailable, match="length mismatch in seniority"):
        ServingIndex(index_dir)


def test_nothing_built_yet_says_what_to_run(index_dir):
    with pytest.raises(IndexUnavailable, match="talent index build"):
        ServingIndex(index_dir)


def test_a_version_built_with_another_schema_is_refused(built, index_dir):
    manifest = VersionStore(index_dir).path(built.version) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["schema_hash"] = "0000"
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexUnavailable, match="schema 0000"):
        ServingIndex(index_dir)


def test_rollback_serves_the_previous_version_and_back(world, built, index_dir):
    store = VersionStore(index_dir)
    second = build_index(index_dir, world.url, shards=2, processes=0)
    assert store.current() == second.version
    assert store.rollback() == built.version
    assert ServingIndex(index_dir).manifest.shard_count == 4
    assert store.rollback(second.version) == second.version
    with pytest.raises(NotFound):
        store.rollback("no-such-version")


def test_rollback_without_another_version_is_a_clear_error(built, index_dir):
    with pytest.raises(IndexUnavailable, match="no other complete index version"):
        VersionStore(index_dir).rollback()


def test_serving_refresh_switches_to_a_new_current_version(world, built, index_dir):
    serving = ServingIndex(index_dir)
    second = build_index(index_dir, world.url, shards=2, processes=0)
    assert serving.version == built.version
    assert serving.refresh() is True
    assert serving.version == second.version and len(serving.partitions) == 2


def test_a_build_whose_process_died_counts_as_failed(index_dir):
    store = VersionStore(index_dir)
    name, path = store.create()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    marker = json.loads((path / "BUILDING").read_text())
    marker["pid"] = int(dead.stdout)
    (path / "BUILDING").write_text(json.dumps(marker))
    assert store.state(name) == "failed"
    assert (path / "FAILED").exists() and "killed" in (path / "FAILED").read_text()


def test_a_build_in_progress_is_not_failed(index_dir):
    store = VersionStore(index_dir)
    name, _ = store.create()
    assert store.state(name) == "building"


def test_gc_keeps_the_newest_complete_versions_and_the_serving_one(world, built, index_dir):
    store = VersionStore(index_dir)
    second = build_index(index_dir, world.url, shards=1, processes=0)
    third = build_index(index_dir, world.url, shards=1, processes=0)
    failed, _ = store.create()
    store.mark_failed(failed, "test")
    store.set_current(built.version)  # serving an old one: gc must keep it
    removed = store.gc(keep=1)
    assert sorted(removed) == sorted([second.version, failed])
    assert store.names() == sorted([built.version, third.version])


def test_a_failed_build_leaves_the_current_version_serving(world, built, index_dir, monkeypatch):
    import index.build.builder as build_module

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(build_module, "merge_vocabularies", explode)
    with pytest.raises(RuntimeError):
        build_index(index_dir, world.url, shards=2, processes=0)
    store = VersionStore(index_dir)
    assert store.current() == built.version
    failed = [i for i in store.list() if i.state == "failed"]
    assert len(failed) == 1 and "disk on fire" in failed[0].reason
    assert ServingIndex(index_dir).count(Q.all_docs()) == 200
    assert os.path.isdir(store.path(failed[0].name))


def test_a_failed_build_gives_its_disk_space_back(tmp_path):
    """A build that ran out of disk leaves no partial data behind (only the reason), so the
    serving version's live updates have room again."""
    from index.versions import VersionStore

    store = VersionStore(tmp_path / "index")
    version, path = store.create()
    shard = path / "shard-0" / "tantivy"
    shard.mkdir(parents=True)
    (shard / "segment.idx").write_bytes(b"x" * 100_000)
    store.mark_failed(version, "OSError: [Errno 28] No space left on device")
    assert store.state(version) == "failed"
    assert sorted(p.name for p in path.iterdir()) == ["FAILED"]
    assert "No space left" in (path / "FAILED").read_text()
