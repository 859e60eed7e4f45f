"""Helpers shared by the world tests: build a world into a data home, read rows back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from talent.storage.db import Database


@dataclass
class BuiltWorld:
    db: Database
    worlds_dir: Path
    generation: object
    simulation: object


def build(
    home: Path, world: str = "test", seed: int | None = None, url: str | None = None,
    simulate: bool = True
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


def rows(db: Database, sql: str, **params) -> list[tuple]:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]
