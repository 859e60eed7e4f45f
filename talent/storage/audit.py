"""The audit log: append-only in the database itself, and exported per contract and period.

Migration ``0003_hardening`` installs triggers that refuse UPDATE and DELETE on ``audit_log``
(and TRUNCATE on PostgreSQL) for every client of the database, not only the ORM. Replacing a whole
synthetic world (``talent world generate --fresh``) is the one operation that clears the log: it
lifts the triggers inside its own transaction (:func:`lifted_append_only`) and puts them back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from talent.storage.models import AuditLog

APPEND_ONLY = "audit_log is append-only"

_SQLITE = (
    f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
_SQLITE_DROP = ("DROP TRIGGER IF EXISTS audit_log_no_update",
                "DROP TRIGGER IF EXISTS audit_log_no_delete")
_POSTGRES_TRIGGERS = ("audit_log_no_change", "audit_log_no_truncate")

EXPORT_COLUMNS = ("id", "at", "contract_id", "recruiter_id", "action", "entity", "entity_id",
                  "detail")


def append_only_installed(conn: Connection) -> bool:
    """Whether the database refuses changes to ``audit_log`` (the 0003 triggers are there)."""
    if conn.dialect.name == "sqlite":
        names = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        return {"audit_log_no_update", "audit_log_no_delete"} <= {n for (n,) in names}
    names = conn.exec_driver_sql(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass")
    return set(_POSTGRES_TRIGGERS) <= {n for (n,) in names}


@contextmanager
def lifted_append_only(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: the triggers are dropped (SQLite) or disabled
    (PostgreSQL) while the block runs, and restored before the transaction commits."""
    installed = append_only_installed(conn)
    if installed:
        if conn.dialect.name == "sqlite":
            for statement in _SQLITE_DROP:
                conn.exec_driver_sql(statement)
        else:
            for name in _POSTGRES_TRIGGERS:
                conn.exec_driver_sql(f"ALTER TABLE audit_log DISABLE TRIGGER {name}")
    yield
    if installed:
        if conn.dialect.name == "sqlite":
            for statement in _SQLITE:
                conn.exec_driver_sql(statement)
        else:
            for name in _POSTGRES_TRIGGERS:
                conn.exec_driver_sql(f"ALTER TABLE audit_log ENABLE TRIGGER {name}")


def audit_entries(session: Session, *, contract_id: int | None = None,
                  since: dt.datetime | None = None, until: dt.datetime | None = None,
                  actions: tuple[str, ...] = ()) -> Iterator[AuditLog]:
    """Audit entries in time order; ``contract_id`` None means operator entries of every contract
    too; ``since`` inclusive, ``until`` exclusive (UTC)."""
    stmt = select(AuditLog).order_by(AuditLog.at, AuditLog.id)
    if contract_id is not None:
        stmt = stmt.where(AuditLog.contract_id == contract_id)
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.at < until)
    if actions:
        stmt = stmt.where(AuditLog.action.in_(actions))
    yield from session.scalars(stmt.execution_options(yield_per=1000))


def _row(entry: AuditLog) -> dict[str, Any]:
    at = entry.at.replace(tzinfo=dt.UTC) if entry.at.tzinfo is None else entry.at
    return {"id": entry.id, "at": at.isoformat(), "contract_id": entry.contract_id,
            "recruiter_id": entry.recruiter_id, "action": entry.action, "entity": entry.entity,
            "entity_id": entry.entity_id, "detail": entry.detail}


def export_audit(entries: Iterator[AuditLog], fmt: str = "jsonl") -> Iterator[str]:
    """The entries as JSON lines or CSV (``detail`` as JSON text), one chunk per entry."""
    if fmt == "jsonl":
        for entry in entries:
            yield json.dumps(_row(entry), sort_keys=True) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        row = _row(entry)
        row["detail"] = json.dumps(row["detail"], sort_keys=True) if row["detail"] else ""
        writer.writerow([row[c] for c in EXPORT_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
