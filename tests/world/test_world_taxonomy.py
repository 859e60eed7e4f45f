"""Queries are standardized against the taxonomy the database's world was generated with."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from talent.errors import ConfigError, DatabaseUnavailable
from talent.settings import load_settings
from talent.storage.db import Database
from talent.storage.models import WorldInfo
from talent.world.config import world_taxonomy


def test_the_worlds_taxonomy_is_the_one_it_was_generated_with(test_world, tmp_path):
    taxonomy = world_taxonomy(load_settings(home=tmp_path), test_world.db)
    assert taxonomy.source == "fixture"


def test_a_world_generated_with_another_taxonomy_is_refused(tmp_path):
    from world_support import build

    world = build(tmp_path / "w", simulate=False)
    with world.db.session() as s:
        s.execute(update(WorldInfo).values(taxonomy_source="bundle:elsewhere"))
    with pytest.raises(ConfigError, match="generated with taxonomy 'bundle:elsewhere'"):
        world_taxonomy(load_settings(home=tmp_path), world.db)
    world.db.dispose()


def test_a_database_without_a_world_uses_the_settings_taxonomy(tmp_path):
    settings = load_settings(home=tmp_path, taxonomy_dir=None)
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    db.upgrade()
    from talent.taxonomy import taxonomy_from_settings

    assert world_taxonomy(settings, db).source == taxonomy_from_settings(settings).source
    db.dispose()


def test_an_unreadable_database_is_an_error_not_a_silent_fallback(tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseUnavailable):
        world_taxonomy(load_settings(home=tmp_path), Database(f"sqlite:///{broken}"))
