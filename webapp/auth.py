"""Recruiter authentication: hashed passwords for the UI, hashed bearer tokens for the API."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from talent.storage.models import Recruiter

TOKEN_PREFIX = "tlnt_"


def set_password(recruiter: Recruiter, password: str) -> None:
    """Store a salted hash of ``password`` (werkzeug scrypt); the password itself is never kept."""
    recruiter.password_hash = generate_password_hash(password)


def verify_password(session: Session, email: str, password: str) -> Recruiter | None:
    """The recruiter with this e-mail and password, or ``None`` (same answer for both mistakes)."""
    recruiter = session.scalar(select(Recruiter).where(Recruiter.email == email.strip().lower()))
    if recruiter is None or not recruiter.password_hash:
        check_password_hash(generate_password_hash("x"), password)  # same cost when unknown
        return None
    return recruiter if check_password_hash(recruiter.password_hash, password) else None


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
