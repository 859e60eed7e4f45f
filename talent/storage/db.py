"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from talent.errors import DatabaseUnavailable
from talent.logging import get_logger

log = get_logger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
CONNECT_TIMEOUT = 5
"""Seconds to wait for a PostgreSQL connection."""


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is reported as given, minus nothing secret
        return "<unparsable url>"


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (it holds password and token hashes);
    SQLite gives its -wal and -shm files the same mode. An existing file open to others is
    tightened when we own it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077 and path.stat().st_uid == os.getuid():
            os.chmod(path, mode & 0o700)
    except OSError:  # a read-only copy of someone else's world: leave it as it is
        pass


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Database:
    """One database: an engine, a session factory and the schema's migrations.

    >>> db = Database("sqlite:///:memory:")  # doctest: +SKIP
    >>> db.upgrade(); with db.session() as s: ...
    """

    def __init__(self, url: str, *, echo: bool = False):
        if url.startswith(("postgresql://", "postgres://")):  # we ship psycopg 3, not psycopg2
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite and ":memory:" not in url and url.startswith("sqlite:///"):
            _private_file(Path(url[len("sqlite:///"):].split("?", 1)[0]))
        kwargs: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            # an unreachable server fails a request in seconds (a 503), never hangs a worker
            # until gunicorn kills it
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10)
            if "connect_timeout" not in url:
                kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
        try:
            self.engine: Engine = create_engine(url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise DatabaseUnavailable(f"cannot use database {_redact(url)}: {exc}") from exc
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Any) -> "Database":
        settings.ensure_home()
        return cls(settings.resolved_database_url)

    @property
    def display_url(self) -> str:
        return _redact(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            reason = str(exc.orig).strip().splitlines()[0]
            raise DatabaseUnavailable(f"database {self.display_url} failed: {reason}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise :class:`DatabaseUnavailable` unless the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise DatabaseUnavailable(f"database {self.display_url} is unreachable: "
                                      f"{reason}") from exc

    def require_schema(self) -> None:
        """Raise a clear error if the schema has not been created yet."""
        self.ping()
        if "members" not in inspect(self.engine).get_table_names():
            raise DatabaseUnavailable(f"database {self.display_url} has no schema: run `talent db "
                                      "upgrade`")

    def alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["engine"] = self.engine
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Apply migrations up to ``revision`` (creates the schema on a new database)."""
        from alembic import command

        self.ping()
        command.upgrade(self.alembic_config(), revision)
        log.info("db.upgraded", url=self.display_url, revision=revision)
        if self.is_sqlite:
            self._reclaim_free_pages()

    #: SQLite keeps the pages a migration frees (0002 rebuilds ``member_skills``: ~1 GB at 1M
    #: members); past this share of the file they are given back with VACUUM.
    VACUUM_FREE_SHARE = 0.2

    def _reclaim_free_pages(self) -> None:
        """VACUUM a SQLite file whose free pages are over :attr:`VACUUM_FREE_SHARE` of it (outside
        any transaction, so after the migrations; 19 s for the 1M world's 3.6 GB file)."""
        with self.engine.connect() as conn:
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
            if pages == 0 or free / pages <= self.VACUUM_FREE_SHARE:
                return
            conn.commit()  # the PRAGMA reads opened a transaction: VACUUM needs none
            conn.exec_driver_sql("VACUUM")
        log.info("db.vacuumed", url=self.display_url, free_pages=free, pages=pages)

    def downgrade(self, revision: str) -> None:
        from alembic import command

        command.downgrade(self.alembic_config(), revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()
