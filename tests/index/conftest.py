"""Fixtures: a small ORM-made world, an index directory, and the world indexed in 4 shards."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from index_world import World, new_world

from talent.storage import Database


@pytest.fixture(scope="session")
def world_template(tmp_path_factory) -> World:
    """A 200-member world made once through the ORM; tests get copies of its database."""
    w = new_world(tmp_path_factory.mktemp("template"), 200)
    with w.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    w.db.dispose()
    return w


@pytest.fixture
def world(tmp_path, world_template) -> World:
    """A fresh copy of the 200-member world per test."""
    source = Path(world_template.url[len("sqlite:///"):])
    shutil.copyfile(source, tmp_path / "talent.db")
    url = f"sqlite:///{tmp_path / 'talent.db'}"
    w = World(Database(url), url, list(world_template.member_ids))
    yield w
    w.db.dispose()


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(world, index_dir):
    """``world`` indexed in 4 shards (in-process build)."""
    from index.build.builder import build_index

    report = build_index(index_dir, world.url, shards=4, processes=0)
    return report
