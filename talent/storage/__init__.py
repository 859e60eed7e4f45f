"""Storage: the system of record (SQLAlchemy 2 ORM, Alembic migrations) and the cache."""

from talent.storage.db import Database

__all__ = ["Database"]
