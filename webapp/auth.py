"""Recruiter authentication: hashed passwords for the UI, hashed bearer tokens for the API."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from talent.storage.models import Recruiter, WebSession

TOKEN_PREFIX = "tlnt_"


def set_password(recruiter: Recruiter, password: str) -> None:
    """Store a salted hash of ``password`` (werkzeug scrypt); the password itself is never kept.
    Every signed-in browser session of the recruiter ends (when the recruiter is in a session)."""
    recruiter.password_hash = generate_password_hash(password)
    db = object_session(recruiter)
    if db is not None and recruiter.id is not None:
        db.execute(delete(WebSession).where(WebSession.recruiter_id == recruiter.id))


@functools.cache
def _stand_in_hash() -> str:
    """A hash to check unknown e-mails against, made once: an unknown address then costs one
    scrypt, as a known one does (hashing a stand-in per attempt cost two, and its timing told
    which e-mails have accounts)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def verify_password(session: Session, email: str, password: str) -> Recruiter | None:
    """The recruiter with this e-mail and password, or ``None`` (same answer, and the same work,
    for both mistakes)."""
    recruiter = session.scalar(select(Recruiter).where(Recruiter.email == email.strip().lower()))
    stored = recruiter.password_hash if recruiter is not None else None
    matches = check_password_hash(stored or _stand_in_hash(), password)
    return recruiter if matches and stored else None


def hash_token(token: str) -> str:
    """SHA-256 of an API token (tokens are long and random, so a fast hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random API token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def set_token(recruiter: Recruiter, token: str | None = None) -> str:
    """Give ``recruiter`` an API token (a new random one unless given); only its hash is stored."""
    token = token or new_token()
    recruiter.api_token_hash = hash_token(token)
    return token


def recruiter_for_token(session: Session, token: str) -> Recruiter | None:
    """The recruiter whose token hash matches ``token``, or ``None``."""
    if not token:
        return None
    digest = hash_token(token)
    recruiter = session.scalar(select(Recruiter).where(Recruiter.api_token_hash == digest))
    if recruiter is None or not hmac.compare_digest(recruiter.api_token_hash or "", digest):
        return None
    return recruiter
