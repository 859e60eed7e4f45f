"""The build and live updates read profiles the same way from PostgreSQL (skills via string_agg)."""

from __future__ import annotations

import pytest
from index_world import populate

from index import queries as Q
from index.build import build_index
from index.live import LiveUpdater
from index.serving import ServingIndex
from talent.storage import Database
from talent.storage.models import Member

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(pg_url):
    db = Database(pg_url)
    db.upgrade()
    ids = populate(db, 60, seed=4)
    yield db, pg_url, ids
    db.downgrade("base")
    db.dispose()


def test_a_postgresql_database_builds_and_updates_the_same_index(pg_world, tmp_path):
    db, url, ids = pg_world
    build_index(tmp_path / "index", url, shards=2, processes=0)
    serving = ServingIndex(tmp_path / "index")
    assert serving.count(Q.all_docs()) == 60
    with db.engine.connect() as conn:
        from index.documents import ProfileReader

        profile = ProfileReader(conn).read([ids[0]])[0]
    assert len(profile.skill_ids) == len(profile.skill_names) == len(profile.endorsements) >= 2
    batch = serving.features([ids[0]])
    assert batch["num_skills"][0] == len(profile.skill_ids)
    with db.session() as s:
        s.get(Member, ids[0]).headline = "Pangolin keeper"
    with LiveUpdater(tmp_path / "index", db) as updater:
        assert updater.run_once() == 1
    serving.refresh()
    assert serving.search(Q.text("headline", "pangolin"), 3).member_ids.tolist() == [ids[0]]
