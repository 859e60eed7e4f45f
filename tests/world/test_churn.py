"""`talent world churn`: a seeded stream of realistic profile changes, each landing in the
outbox."""

from __future__ import annotations

import datetime as dt
import shutil
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from world_support import build

from talent.errors import InvalidInput
from talent.storage.db import Database
from talent.storage.models import Member, MemberSkill, Position, ProfileChange
from talent.taxonomy import load_taxonomy
from talent.world.churn import CHANGE_KINDS, ProfileChurn, parse_mix, run_churn

FIXED = dt.datetime(2025, 7, 1, 12, 0, 0)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The test world (no simulation), its SQLite file checkpointed so it can be copied."""
    home = tmp_path_factory.mktemp("churn-template")
    world = build(home, simulate=False)
    with world.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    world.db.dispose()
    return home


def _copy(template, target) -> Database:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template / "talent.db", target / "talent.db")
    return Database(f"sqlite:///{target / 'talent.db'}")


@pytest.fixture
def db(template, tmp_path):
    database = _copy(template, tmp_path / "home")
    yield database
    database.dispose()


def _churn(db: Database, seed: int = 1, **options) -> ProfileChurn:
    return ProfileChurn.from_database(db, load_taxonomy(None), seed=seed, clock=lambda: FIXED,
                                      **options)


def _outbox(db: Database) -> list[int]:
    with db.session() as s:
        return list(s.scalars(select(ProfileChange.member_id).order_by(ProfileChange.id)))


def _profiles(db: Database, member_ids) -> list[tuple]:
    with db.session() as s:
        members = s.scalars(select(Member).where(Member.id.in_(member_ids))
                            .order_by(Member.id)).all()
        return [(m.id, m.headline, m.current_title, m.occupation_id, m.seniority,
                 m.current_company_id,
                 m.open_to_work, m.last_active_at, sorted(k.skill_id for k in m.skills),
                 sorted((p.title, p.company_id, p.is_current, p.end_date) for p in m.positions))
                for m in members]


def test_every_change_is_committed_with_an_outbox_row_for_its_member(db):
    edits = []
    report = run_churn(db, _churn(db), rate=1000, count=40, on_edit=edits.append)
    assert report.edits == 40 == len(edits)
    assert _outbox(db) == [e.member_id for e in edits]


def test_the_same_seed_on_the_same_database_makes_the_same_changes(template, tmp_path):
    runs = []
    for name in ("a", "b"):
        database = _copy(template, tmp_path / name)
        edits = []
        run_churn(database, _churn(database, seed=5), rate=1000, count=60, on_edit=edits.append)
        runs.append((edits, _profiles(database, {e.member_id for e in edits})))
        database.dispose()
    assert runs[0] == runs[1]
    other = _copy(template, tmp_path / "c")
    edits = []
    run_churn(other, _churn(other, seed=6), rate=1000, count=60, on_edit=edits.append)
    assert edits != runs[0][0]


def test_the_stream_mixes_every_kind_of_change(db):
    report = run_churn(db, _churn(db), rate=1000, count=200)
    assert set(report.by_kind) == set(CHANGE_KINDS)
    assert report.by_kind["last_active"] > report.by_kind["open_to_work"]


def test_a_job_change_ends_the_current_position_and_starts_a_new_one(db):
    edits = []
    run_churn(db, _churn(db, mix={k: 0 for k in CHANGE_KINDS} | {"job_change": 1}), rate=1000,
              count=10, on_edit=edits.append)
    assert {e.kind for e in edits} == {"job_change"}
    with db.session() as s:
        member = s.get(Member, edits[-1].member_id)
        current = [p for p in member.positions if p.is_current]
        assert len(current) == 1
        assert (current[0].title, current[0].company_id, current[0].start_date) == (
            member.current_title, member.current_company_id, FIXED.date())
        ended = [p for p in member.positions if p.end_date == FIXED.date()]
        assert ended and not any(p.is_current for p in ended)


def test_a_new_skill_is_one_the_member_did_not_have(db):
    churn = _churn(db, mix={k: 0 for k in CHANGE_KINDS} | {"new_skill": 1})
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(MemberSkill))
    edits = []
    run_churn(db, churn, rate=1000, count=15, on_edit=edits.append)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MemberSkill)) == before + 15
    assert all(e.detail.startswith("added skill") for e in edits)


def test_an_open_to_work_flip_flips_and_marks_the_member_active(db):
    churn = _churn(db, mix={k: 0 for k in CHANGE_KINDS} | {"open_to_work": 1})
    with db.session() as s:
        before = dict(s.execute(select(Member.id, Member.open_to_work)).all())
    edits = []
    run_churn(db, churn, rate=1000, count=1, on_edit=edits.append)
    with db.session() as s:
        member = s.get(Member, edits[0].member_id)
        assert member.open_to_work is not before[member.id]
        assert member.last_active_at == FIXED


def test_changes_are_paced_at_the_rate(db):
    start = time.monotonic()
    report = run_churn(db, _churn(db), rate=20, count=5)
    assert report.edits == 5 and time.monotonic() - start >= 4 / 20


def test_a_duration_bounds_the_stream(db):
    report = run_churn(db, _churn(db), rate=20, duration=0.2)
    assert 1 <= report.edits <= 4


def test_bad_mixes_and_rates_are_refused(db):
    with pytest.raises(InvalidInput, match="unknown change kind"):
        parse_mix({"promotion": 1})
    with pytest.raises(InvalidInput, match="positive weight"):
        parse_mix({k: 0 for k in CHANGE_KINDS})
    with pytest.raises(InvalidInput, match="rate"):
        run_churn(db, _churn(db), rate=0, count=1)


def test_an_empty_database_is_refused_with_the_command_to_run(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    database.upgrade()
    with pytest.raises(InvalidInput, match="talent world generate"):
        ProfileChurn.from_database(database, load_taxonomy(None))
    database.dispose()


def test_the_cli_commits_count_changes_and_prints_a_summary(template, tmp_path):
    from talent.cli import cli

    home = tmp_path / "home"
    database = _copy(template, home)
    result = CliRunner().invoke(cli, ["--home", str(home), "world", "churn", "--rate", "500",
                                      "--count", "7", "--seed", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("7 profile changes in ")
    assert len(_outbox(database)) == 7
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Position)) > 0
    database.dispose()


def test_the_cli_refuses_count_with_duration_and_a_malformed_mix(template, tmp_path):
    from talent.cli import cli

    home = tmp_path / "home"
    _copy(template, home).dispose()
    both = CliRunner().invoke(cli, ["--home", str(home), "world", "churn", "--count", "2",
                                    "--duration", "1"])
    assert both.exit_code == 2 and "not both" in both.output
    bad = CliRunner().invoke(cli, ["--home", str(home), "world", "churn", "--mix", "promotion=2"])
    assert bad.exit_code == 2 and "KIND=WEIGHT" in bad.output
