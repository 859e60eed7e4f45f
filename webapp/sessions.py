"""Signed-in browser sessions, kept server-side: signing out and a password change end them.

The cookie (signed by Flask) carries a random key; ``web_sessions`` keeps its SHA-256 with the
recruiter and an expiry. A request is signed in only while that row exists, so a cookie copied
before ``POST /logout`` opens nothing afterwards, and a password change signs out every other
browser of the recruiter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from flask import current_app, session
from sqlalchemy import delete
from sqlalchemy.orm import Session

from talent.storage.models import Recruiter, WebSession, utcnow

SESSION_KEY = "auth"
DEFAULT_LIFETIME = dt.timedelta(hours=12)
"""How long a sign-in lasts (``SESSION_LIFETIME`` config): one working day, not 31 days."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def lifetime() -> dt.timedelta:
    return current_app.config.get("SESSION_LIFETIME") or DEFAULT_LIFETIME


def start(db: Session, recruiter: Recruiter) -> None:
    """Sign ``recruiter`` in: a new server-side session and a fresh cookie (old ones dropped)."""
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.recruiter_id == recruiter.id,
                                        WebSession.expires_at <= now))
    key = secrets.token_urlsafe(32)
    db.add(WebSession(id=_digest(key), recruiter_id=recruiter.id, created_at=now,
                      expires_at=now + lifetime()))
    session.clear()
    session[SESSION_KEY] = key
    session["sid"] = uuid.uuid4().hex
    session.permanent = True


def current(db: Session) -> Recruiter | None:
    """The recruiter of this request's session, or ``None`` (no cookie, signed out, expired)."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str) or not key:
        return None  # not signed in (the cookie may still carry a sign-in form's CSRF token)
    row = db.get(WebSession, _digest(key))
    if row is None or row.expires_at <= utcnow():
        session.clear()  # signed out elsewhere, or expired: nothing of it is kept
        return None
    return db.get(Recruiter, row.recruiter_id)


def end(db: Session) -> None:
    """Sign this browser out: its server-side session is deleted with the cookie's contents."""
    key = session.get(SESSION_KEY)
    if isinstance(key, str) and key:
        db.execute(delete(WebSession).where(WebSession.id == _digest(key)))
    session.clear()


def end_all(db: Session, recruiter_id: int) -> int:
    """Sign a recruiter out everywhere (after a password change); returns how many sessions."""
    result = db.execute(delete(WebSession).where(WebSession.recruiter_id == recruiter_id))
    return int(result.rowcount or 0)
