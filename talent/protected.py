"""The protected-attribute store: each member's gender as a one-byte code, in a room of its own.

Built from the ``member_protected`` table into an array indexed by member id (1M members: 1 MB,
read from the table in about 2 s) and kept under ``<home>/protected/`` with a fingerprint of the
table (row count, largest id, an id-weighted sum of the codes: one scan, about 0.3 s at 1M), so
a server starts from the file until the table changes. It answers two questions only: the code
of each of some members, and how many of some members fall in each group.

Two modules read it, and no other may import it (``tests/test_protected_guard.py``): the
representative re-ranking stage (:mod:`federator.rerank`) and the fairness audit
(:mod:`talent.evaluation.audit.data`). Gender is not in the index, the forward store, any
feature, facet, filter or response.

Members without a row (added after the store was built, or never recorded) count as
``unknown``, an explicit group of its own. Erasing a member (``talent member erase``) clears their
code in the store's file too (the eraser registered at the end of this module).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from talent.erasure import ErasureContext, FunctionEraser, register_eraser
from talent.storage.models import GENDERS

#: Group codes: the index of each gender in this tuple.
GROUPS: tuple[str, ...] = GENDERS
UNKNOWN: int = GROUPS.index("unknown")


@dataclass(frozen=True)
class GenderStore:
    """Gender codes indexed by member id (``UNKNOWN`` where there is no row)."""

    codes: np.ndarray  # int8

    @property
    def groups(self) -> tuple[str, ...]:
        return GROUPS

    @property
    def members(self) -> int:
        """How many members have a recorded row (any group)."""
        return int(self.recorded.sum())

    @property
    def recorded(self) -> np.ndarray:
        return self.codes >= 0

    def codes_of(self, member_ids: np.ndarray) -> np.ndarray:
        """The group code of each member (``UNKNOWN`` for ids the store does not hold)."""
        ids = np.asarray(member_ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(self.codes))
        out = np.full(ids.shape, UNKNOWN, dtype=np.int64)
        out[inside] = self.codes[ids[inside]]
        out[out < 0] = UNKNOWN
        return out

    def counts(self, member_ids: np.ndarray) -> np.ndarray:
        """How many of ``member_ids`` fall in each group (index = code)."""
        return np.bincount(self.codes_of(member_ids), minlength=len(GROUPS)).astype(np.int64)

    @classmethod
    def from_rows(cls, member_ids: np.ndarray, genders: np.ndarray) -> GenderStore:
        """A store of these (member id, gender code) rows; other ids have no row."""
        ids = np.asarray(member_ids, dtype=np.int64)
        g = np.asarray(genders, dtype=np.int64)
        if ids.shape != g.shape or (len(ids) and (ids.min() < 0 or g.min() < 0
                                                  or g.max() >= len(GROUPS))):
            raise ValueError("protected rows need non-negative member ids and known gender codes")
        codes = np.full(int(ids.max()) + 1 if len(ids) else 0, -1, dtype=np.int8)
        codes[ids] = g
        return cls(codes)


def _code_sql() -> str:
    return ("CASE gender " + " ".join(f"WHEN '{name}' THEN {code}"
                                      for code, name in enumerate(GROUPS))
            + f" ELSE {UNKNOWN} END")


def _query(database: Any, sql: str) -> list[tuple[Any, ...]]:
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        raw.close()


def fingerprint(database: Any) -> str:
    """What identifies the table's content: rows, largest id and an id-weighted sum of codes."""
    rows, top, weighted = _query(database, "SELECT COUNT(*), COALESCE(MAX(member_id), 0), "
                                           f"COALESCE(SUM(member_id * ({_code_sql()} + 1)), 0) "
                                           "FROM member_protected")[0]
    return f"{int(rows)}:{int(top)}:{int(weighted)}"


def read_gender_store(database: Any) -> GenderStore:
    """Read every ``member_protected`` row of ``database`` (a :class:`talent.storage.Database`)."""
    rows = _query(database, f"SELECT member_id, {_code_sql()} FROM member_protected")
    pairs = np.fromiter((v for row in rows for v in row), dtype=np.int64,
                        count=2 * len(rows)).reshape(-1, 2)
    return GenderStore.from_rows(pairs[:, 0], pairs[:, 1])


def protected_dir(settings: Any) -> Path:
    """Where a data home keeps the store's file."""
    return Path(settings.home) / "protected"


def load_gender_store(database: Any, directory: Path | None = None) -> GenderStore:
    """The store of ``database``: from ``directory``'s file when its fingerprint still matches
    the table, else read from the table (and written there, readable by its owner only)."""
    if directory is None:
        return read_gender_store(database)
    codes_file, stamp_file = directory / "gender.npy", directory / "gender.json"
    stamp = fingerprint(database)
    try:
        if json.loads(stamp_file.read_text(encoding="utf-8")).get("fingerprint") == stamp:
            return GenderStore(np.load(codes_file, allow_pickle=False))
    except (OSError, ValueError):
        pass
    store = read_gender_store(database)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = directory / f".gender-{os.getpid()}.npy"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        np.save(fh, store.codes, allow_pickle=False)
    os.replace(tmp, codes_file)
    stamp_file.write_text(json.dumps({"fingerprint": stamp}), encoding="utf-8")
    return store


def _erase_member(ctx: ErasureContext) -> dict[str, int]:
    """Clear the member's code in the data home's store file (the table's row is the database
    eraser's); the stamp follows the table so the next start keeps using the file."""
    directory = protected_dir(ctx.settings)
    codes_file = directory / "gender.npy"
    if not codes_file.exists():
        return {"codes": 0}
    codes = np.load(codes_file, allow_pickle=False)
    member = int(ctx.member_id)
    if not 0 <= member < len(codes) or codes[member] < 0:
        return {"codes": 0}
    codes[member] = -1
    tmp = directory / f".gender-{os.getpid()}.npy"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        np.save(fh, codes, allow_pickle=False)
    os.replace(tmp, codes_file)
    (directory / "gender.json").write_text(json.dumps({"fingerprint": fingerprint(ctx.database)}),
                                           encoding="utf-8")
    return {"codes": 1}


def _remaining_member(ctx: ErasureContext) -> list[str]:
    codes_file = protected_dir(ctx.settings) / "gender.npy"
    if not codes_file.exists():
        return []
    codes = np.load(codes_file, allow_pickle=False, mmap_mode="r")
    member = int(ctx.member_id)
    held = 0 <= member < len(codes) and codes[member] >= 0
    return [f"protected store {codes_file.name}: the member's code"] if held else []


register_eraser(FunctionEraser("protected-store", _erase_member, _remaining_member))
