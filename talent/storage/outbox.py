"""Profile change outbox: every ORM create/update/delete of a profile records a change row.

The live index updater (``talent index update``) consumes ``profile_changes`` in id order.
Bulk loads through SQLAlchemy Core (the world generator) bypass this hook on purpose: an
index build snapshots the whole table and records the outbox high-water mark it started from.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from talent.storage.models import Education, Member, MemberSkill, Position, ProfileChange, utcnow

_PROFILE_PARTS = (Position, MemberSkill, Education)


def _changed_members(session: Session) -> dict[int, str]:
    ops: dict[int, str] = {}
    for obj in session.new | session.dirty:
        if isinstance(obj, Member) and obj.id is not None:
            if obj in session.dirty and not session.is_modified(obj, include_collections=True):
                continue
            ops.setdefault(obj.id, "upsert")
        elif isinstance(obj, _PROFILE_PARTS) and obj.member_id is not None:
            ops.setdefault(obj.member_id, "upsert")
    for obj in session.deleted:
        if isinstance(obj, Member):
            ops[obj.id] = "delete"
        elif isinstance(obj, _PROFILE_PARTS) and obj.member_id is not None:
            ops.setdefault(obj.member_id, "upsert")
    return ops


@event.listens_for(Session, "after_flush")
def _record_profile_changes(session: Session, _ctx: Any) -> None:
    ops = _changed_members(session)
    if not ops:
        return
    now = utcnow()
    session.connection().execute(
        insert(ProfileChange),
        [{"member_id": mid, "op": op, "created_at": now} for mid, op in sorted(ops.items())],
    )
