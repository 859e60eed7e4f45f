from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from talent.errors import DatabaseUnavailable
from talent.storage import Database
from talent.storage.models import (
    AuditLog,
    Base,
    Member,
    MemberProtected,
    MemberSkill,
    ProfileChange,
)


def test_migrations_create_every_table(db):
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert db.current_revision() is not None


def test_migrated_schema_matches_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_profile_create_update_delete_write_the_outbox(db):
    with db.session() as s:
        m = Member(first_name="Ada", last_name="L", headline="Engineer")
        s.add(m)
        s.flush()
        s.add(MemberSkill(member_id=m.id, skill_id="tech:python", name="Python"))
        mid = m.id
    with db.session() as s:
        s.get(Member, mid).headline = "Staff engineer"
    with db.session() as s:
        s.delete(s.get(Member, mid))
    with db.session() as s:
        ops = [(c.member_id, c.op)
               for c in s.scalars(select(ProfileChange).order_by(ProfileChange.id))]
    assert ops[0] == (mid, "upsert") and ops[-1] == (mid, "delete")
    assert len(ops) >= 3


def test_gender_lives_apart_from_the_profile(db):
    assert "gender" not in Member.__table__.columns
    with db.session() as s:
        m = Member(first_name="Ada", last_name="L")
        s.add(m)
        s.flush()
        s.add(MemberProtected(member_id=m.id, gender="female"))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MemberProtected)) == 1


def test_audit_log_is_append_only(db):
    with db.session() as s:
        s.add(AuditLog(action="test"))
    with pytest.raises(PermissionError), db.session() as s:
        s.scalar(select(AuditLog)).action = "changed"
    with pytest.raises(PermissionError), db.session() as s:
        s.delete(s.scalar(select(AuditLog)))


def test_unreachable_database_gives_a_clear_error():
    db = Database("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable, match="unreachable"):
        db.ping()


def test_missing_schema_is_reported_with_the_fix(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseUnavailable, match="talent db upgrade"):
        db.require_schema()


def test_upgrade_gives_back_the_pages_a_migration_freed_on_sqlite(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'talent.db'}")
    db.upgrade()
    # what a table rebuild leaves behind: a large share of free pages
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (blob TEXT)")
        conn.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
                             "i < 2000) INSERT INTO scratch SELECT printf('%2000d', i) FROM n")
        conn.exec_driver_sql("DROP TABLE scratch")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA freelist_count").scalar() > 500
    db.upgrade()  # nothing to migrate, but the free pages go
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA freelist_count").scalar() == 0
    db.dispose()
