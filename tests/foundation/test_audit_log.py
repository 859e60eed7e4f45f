"""The audit log is append-only in the database itself (triggers on SQLite and PostgreSQL, not only
ORM events) and exports per contract and period."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from talent.storage.audit import audit_entries, export_audit
from talent.storage.db import Database
from talent.storage.models import AuditLog, Contract


def _own_schema(pg_url: str) -> str:
    """A fresh schema of its own on the test PostgreSQL (the session's is shared)."""
    name = f"audit_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return pg_url.split("search_path%3D")[0] + f"search_path%3D{name}"


def _drop_schema(db: Database) -> None:
    name = db.url.rsplit("search_path%3D", 1)[1]
    db.dispose()
    with db.engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    db.dispose()


def _database(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    with db.session() as s:
        s.add_all([Contract(id=1, name="A"), Contract(id=2, name="B")])
        s.flush()
        s.add_all([
            AuditLog(contract_id=1, action="search", at=dt.datetime(2026, 1, 1, 9)),
            AuditLog(contract_id=1, action="member.view", entity="member", entity_id="7",
                     at=dt.datetime(2026, 1, 2, 9)),
            AuditLog(contract_id=2, action="search", at=dt.datetime(2026, 1, 2, 10)),
        ])
    return db


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'audit.db'}" if request.param == "sqlite"
           else _own_schema(request.getfixturevalue("pg_url")))
    database = _database(url)
    yield database
    if request.param == "postgres":
        _drop_schema(database)
    database.dispose()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'nothing'",
                                       "DELETE FROM audit_log",
                                       "DELETE FROM audit_log WHERE contract_id = 2"])
def test_the_database_refuses_to_change_or_delete_audit_rows(db, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 3


def test_postgres_refuses_truncate(request):
    db = Database(_own_schema(request.getfixturevalue("pg_url")))
    db.upgrade()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE audit_log")
    _drop_schema(db)


def test_appending_still_works(db):
    with db.session() as s:
        s.add(AuditLog(contract_id=2, action="project.export"))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 4


def test_export_per_contract_and_period(db):
    with db.session() as s:
        lines = list(export_audit(audit_entries(
            s, contract_id=1, since=dt.datetime(2026, 1, 2), until=dt.datetime(2026, 1, 3))))
        rows = [json.loads(line) for line in lines]
        assert [(r["action"], r["entity_id"]) for r in rows] == [("member.view", "7")]
        assert rows[0]["at"] == "2026-01-02T09:00:00+00:00"
        csv_text = "".join(export_audit(audit_entries(s, contract_id=2), "csv"))
    assert csv_text.splitlines()[0].startswith("id,at,contract_id")
    assert len(csv_text.splitlines()) == 2


def test_replacing_the_world_clears_the_log_and_keeps_it_append_only(db):
    from talent.world.writer import WORLD_TABLES, BulkWriter

    with BulkWriter(db) as w:
        w.wipe(WORLD_TABLES)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 0
    with db.session() as s:
        s.add(Contract(id=3, name="C"))
        s.flush()
        s.add(AuditLog(contract_id=3, action="search"))
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_log")
