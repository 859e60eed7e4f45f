"""Rate-limit counters every worker of one machine shares without Redis: a small SQLite file.

``limits`` keeps counters in memory by default, one set per gunicorn worker, so with two workers
a limit of 10 a minute let about 20 through. :class:`SqliteStorage` keeps the fixed-window
counters in ``<home>/ratelimits.sqlite`` (its own file: no lock contention with the system of
record), one short write transaction per counted request.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEME = "talent-sqlite"
_PURGE_EVERY = 1000  # counted hits between deletions of expired counters


class SqliteStorage(Storage):
    """Fixed-window counters in a SQLite file (URI ``talent-sqlite:///<path>``)."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 - the limits registry reads this list

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = Path((uri or "").split("://", 1)[1] if uri and "://" in uri else "ratelimits.sqlite")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a forked worker opens its own
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, "
                         "value INTEGER NOT NULL, expires REAL NOT NULL)")
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
                (value,) = db.execute(
                    "INSERT INTO counters (key, value, expires) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value "
                    "RETURNING value", (key, amount, now + expiry)).fetchone()
                self._hits += 1
                if self._hits % _PURGE_EVERY == 0:
                    db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return int(value)

    def get(self, key: str) -> int:
        with self._lock:
            row = self._db().execute("SELECT value FROM counters WHERE key = ? AND expires > ?",
                                     (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            row = self._db().execute("SELECT expires FROM counters WHERE key = ?",
                                     (key,)).fetchone()
        return float(row[0]) if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self._lock:
                self._db().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        with self._lock:
            return int(self._db().execute("DELETE FROM counters").rowcount)

    def clear(self, key: str) -> None:
        with self._lock:
            self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
