"""Fixtures: a small ORM-made world, an index directory, and the world indexed in 4 shards."""

from __future__ import annotations

from pathlib import Path

import pytest
from index_world import World, new_world


@pytest.fixture
def world(tmp_path) -> World:
    """A fresh 200-member world per test."""
    w = new_world(tmp_path, 200)
    yield w
    w.db.dispose()


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(world, index_dir):
    """``world`` indexed in 4 shards (in-process build)."""
    from index.build import build_index

    report = build_index(index_dir, world.url, shards=4, processes=0)
    return report
