"""Storage: the system of record (SQLAlchemy 2 ORM, Alembic migrations) and the cache."""

from talent.storage import outbox as _outbox  # noqa: F401  (registers the profile-change hook)
from talent.storage.db import Database

__all__ = ["Database"]
