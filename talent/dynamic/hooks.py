"""Dynamic features written as events happen: views, saves, InMails and answers committed
through the ORM (the web app, the CLI) update the cache counters right after the commit.

:func:`record_events_to` binds a :class:`~talent.dynamic.store.DynamicStore` to an engine; every
session on that engine then collects its new ``feedback`` views and saves, new InMails and
InMails that turned accepted or declined, and hands them to the store once the transaction
commits (a rolled-back transaction records nothing). A cache that fails is logged, never the
user's error: the database is the record and ``talent cache warm`` rebuilds from it. Bulk loads
through SQLAlchemy Core (the simulator) bypass the ORM; they are followed by a warm.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from talent.dynamic.store import DynamicStore, Event
from talent.errors import TalentError
from talent.logging import get_logger
from talent.storage.models import Feedback, InMail, utcnow

log = get_logger(__name__)

_STORES: dict[int, DynamicStore] = {}
_PENDING = "talent.dynamic.pending"


def record_events_to(engine: Any, store: DynamicStore | None) -> None:
    """Send the events committed on ``engine`` to ``store`` (None: stop)."""
    if store is None:
        _STORES.pop(id(engine), None)
    else:
        _STORES[id(engine)] = store


def _epoch(when: dt.datetime | None) -> int:
    when = when or utcnow()
    return int((when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp())


def _events(session: Session) -> list[Event]:
    found: list[Event] = []
    for obj in session.new:
        if isinstance(obj, Feedback) and obj.kind in ("view", "save"):
            found.append(Event(obj.recruiter_id, obj.contract_id, obj.member_id, obj.kind,
                               _epoch(obj.created_at)))
        elif isinstance(obj, InMail):
            found.append(Event(obj.recruiter_id, obj.contract_id, obj.member_id, "inmail",
                               _epoch(obj.sent_at)))
    for obj in session.dirty:
        if isinstance(obj, InMail) and inspect(obj).attrs.status.history.has_changes():
            if obj.status in ("accepted", "declined"):
                found.append(Event(obj.recruiter_id, obj.contract_id, obj.member_id,
                                   "accept" if obj.status == "accepted" else "decline",
                                   _epoch(obj.responded_at)))
    return found


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    if not _STORES or session.bind is None or id(session.bind) not in _STORES:
        return
    found = _events(session)
    if found:
        session.info.setdefault(_PENDING, []).extend(found)


@event.listens_for(Session, "after_commit")
def _apply(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    store = _STORES.get(id(session.bind)) if session.bind is not None else None
    if not pending or store is None:
        return
    try:
        store.record(pending)
    except TalentError as exc:
        log.warning("dynamic.record_failed", events=len(pending), error=str(exc))


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)
