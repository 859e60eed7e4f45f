"""Shared fixtures: the small `test` world (fixture taxonomy), generated and simulated once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from talent.storage.db import Database


@dataclass
class BuiltWorld:
    db: Database
    worlds_dir: Path
    generation: object
    simulation: object


def build(
    home: Path, world: str = "test", seed: int | None = None, url: str | None = None, simulate: bool = True
) -> BuiltWorld:
    """Generate (and simulate) a world into ``home`` on SQLite, or on ``url``."""
    from talent.settings import load_settings
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world
    from talent.world.simulator import simulate as run

    settings = load_settings(home=home, database_url=url)
    settings.ensure_home()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    config = load_world_config(world, seed=seed)
    gen = generate_world(config, db, settings.worlds_dir, resolve_taxonomy(config, settings))
    sim = run(db, settings.worlds_dir) if simulate else None
    return BuiltWorld(db, settings.worlds_dir, gen, sim)


@pytest.fixture(scope="session")
def test_world(tmp_path_factory) -> BuiltWorld:
    world = build(tmp_path_factory.mktemp("world"))
    yield world
    world.db.dispose()


@pytest.fixture(scope="session")
def truth(test_world):
    from talent.world.truth import load_truth

    return load_truth(test_world.worlds_dir, "test")


def rows(db: Database, sql: str, **params) -> list[tuple]:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]
