"""The build and live updates read profiles the same way from PostgreSQL (skills via json_agg)."""

from __future__ import annotations

import pytest
from index_world import populate

from index.build.builder import build_index
from index.build.live import LiveUpdater
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
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
        from index.build.documents import ProfileReader

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


# --- outbox ids committing out of order (sequence ids are taken at flush, visible at commit) ------
def _pending_headline(db, member_id: int, headline: str):
    """An open transaction that changed a member and flushed (so it holds an outbox id) but has not
    committed yet."""
    from sqlalchemy.orm import Session

    session = Session(db.engine, expire_on_commit=False)
    session.get(Member, member_id).headline = headline
    session.flush()
    return session


def _commit_headline(db, member_id: int, headline: str) -> None:
    with db.session() as s:
        s.get(Member, member_id).headline = headline


def _outbox_ids(db) -> list[int]:
    from sqlalchemy import select

    from talent.storage.models import ProfileChange

    with db.engine.connect() as conn:
        return list(conn.execute(select(ProfileChange.id).order_by(ProfileChange.id)).scalars())


def test_a_lower_outbox_id_that_commits_after_a_higher_one_was_applied_is_not_lost(pg_world,
                                                                                   tmp_path):
    db, url, ids = pg_world
    build_index(tmp_path / "index", url, shards=2, processes=0)
    serving = ServingIndex(tmp_path / "index")
    with LiveUpdater(tmp_path / "index", db) as updater:
        assert updater.run_once() == 0
        slow = _pending_headline(db, ids[0], "Aardvark whisperer")   # takes outbox id n
        try:
            _commit_headline(db, ids[1], "Bongo drummer")             # takes n + 1, commits first
            assert updater.run_once() == 1                            # applies n + 1, remembers n
            gap_ids = list(updater._updater.gaps)
            assert len(gap_ids) == 1 and gap_ids[0] not in _outbox_ids(db)
            serving.refresh()
            assert serving.search(Q.text("headline", "bongo"), 3).member_ids.tolist() == [ids[1]]
            assert serving.count(Q.text("headline", "aardvark")) == 0
        finally:
            slow.commit()                                             # id n becomes visible now
            slow.close()
        assert gap_ids[0] in _outbox_ids(db)
        assert updater.run_once() == 1                                # the late change
        assert updater._updater.gaps == {}
    serving.refresh()
    assert serving.search(Q.text("headline", "aardvark"), 3).member_ids.tolist() == [ids[0]]
    from index.versions import VersionStore

    assert VersionStore(tmp_path / "index").outbox_gaps(serving.version) == {}


def test_a_change_in_flight_while_the_index_builds_is_replayed_when_it_commits(pg_world, tmp_path):
    db, url, ids = pg_world
    slow = _pending_headline(db, ids[2], "Capybara groomer")
    try:
        _commit_headline(db, ids[3], "Dingo trainer")
        # high-water mark above the open id
        build_index(tmp_path / "index", url, shards=2, processes=0)
    finally:
        slow.commit()
        slow.close()
    serving = ServingIndex(tmp_path / "index")
    assert serving.search(Q.text("headline", "dingo"), 3).member_ids.tolist() == [ids[3]]
    assert serving.count(Q.text("headline", "capybara")) == 0          # the build could not see it
    with LiveUpdater(tmp_path / "index", db) as updater:
        assert updater.run_once() == 1
    serving.refresh()
    assert serving.search(Q.text("headline", "capybara"), 3).member_ids.tolist() == [ids[2]]


def test_a_gap_left_by_a_rolled_back_transaction_is_dropped_after_the_timeout(pg_world, tmp_path):
    import time

    from index.versions import VersionStore

    db, url, ids = pg_world
    build_index(tmp_path / "index", url, shards=2, processes=0)
    store = VersionStore(tmp_path / "index")
    version = store.current()
    with LiveUpdater(tmp_path / "index", db, gap_timeout=0.5) as updater:
        aborted = _pending_headline(db, ids[4], "Emu herder")
        aborted.rollback()                                            # its outbox id is burnt
        aborted.close()
        _commit_headline(db, ids[5], "Fennec fox fan")
        assert updater.run_once() == 1
        assert len(store.outbox_gaps(version)) == 1                   # persisted for a restart
        time.sleep(0.6)
        assert updater.run_once() == 0
        assert store.outbox_gaps(version) == {}
    serving = ServingIndex(tmp_path / "index")
    assert serving.count(Q.text("headline", "emu")) == 0
    assert serving.search(Q.text("headline", "fennec"), 3).member_ids.tolist() == [ids[5]]


def test_skills_with_any_characters_read_back_exactly_from_postgresql(pg_world):
    from test_documents import check_tricky_skills

    db, _url, ids = pg_world
    with db.engine.connect() as conn:
        check_tricky_skills(conn, ids[0])
