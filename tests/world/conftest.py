"""Shared fixtures: the small `test` world (fixture taxonomy), generated and simulated once per
session."""

from __future__ import annotations

import pytest
from world_support import BuiltWorld, build


@pytest.fixture(scope="session")
def test_world(tmp_path_factory) -> BuiltWorld:
    world = build(tmp_path_factory.mktemp("world"))
    yield world
    world.db.dispose()


@pytest.fixture(scope="session")
def truth(test_world):
    from talent.world.truth import load_truth

    return load_truth(test_world.worlds_dir, "test")
