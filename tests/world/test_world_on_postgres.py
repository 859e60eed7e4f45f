"""Generation and simulation through the PostgreSQL code path (COPY, sequences) match SQLite."""

from __future__ import annotations

import pytest
from world_support import build, rows

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(tmp_path, pg_url):
    from talent.storage.db import Database

    world = build(tmp_path / "pg", url=pg_url)
    yield world
    Database(pg_url).downgrade("base")
    world.db.dispose()


def test_postgres_world_has_the_same_content_hash_as_sqlite(pg_world, test_world):
    assert pg_world.generation.content_hash == test_world.generation.content_hash
    assert pg_world.simulation.log_hash == test_world.simulation.log_hash
    assert rows(pg_world.db,
                "SELECT COUNT(*) FROM impressions")[0][0] == test_world.simulation.impressions


def test_postgres_reads_back_typed_values(pg_world):
    from talent.storage.models import Member, Project, Search

    with pg_world.db.session() as s:
        member = s.get(Member, 1)
        assert member.last_active_at.year >= 2020 and isinstance(member.open_to_work, bool)
        assert isinstance(s.get(Project, 1).required_skills, list)
        assert isinstance(s.get(Search, 1).query_json, dict)


def test_postgres_sequences_continue_after_the_generated_ids(pg_world):
    from talent.storage.models import Search

    with pg_world.db.session() as s:
        search = Search(contract_id=1, recruiter_id=1, session_id="manual", query_text="nurse")
        s.add(search)
        s.flush()
        assert search.id == pg_world.simulation.searches + 1
