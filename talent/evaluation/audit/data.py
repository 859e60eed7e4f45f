"""The audit's one door to the protected store: the group of each member, and the groups' names.

Every other module of the audit takes group codes from here (``tests/test_protected_guard.py``
lists this module as the audit's only reader of :mod:`talent.protected`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.protected import GROUPS, UNKNOWN, GenderStore, load_gender_store, protected_dir

#: Group names, index = code; ``unknown`` is reported but never in an impact ratio.
GROUP_NAMES: tuple[str, ...] = GROUPS
UNKNOWN_GROUP: int = UNKNOWN
KNOWN_GROUPS: tuple[int, ...] = tuple(i for i in range(len(GROUPS)) if i != UNKNOWN)


class MemberGroups:
    """Group codes of members, read once from the database's protected store."""

    def __init__(self, store: GenderStore):
        self._store = store

    @classmethod
    def from_database(cls, database: Any, settings: Any = None) -> MemberGroups:
        """The groups of ``database``'s members (through the data home's store file when
        ``settings`` are given)."""
        return cls(load_gender_store(database, None if settings is None
                                     else protected_dir(settings)))

    def of(self, member_ids: Any) -> np.ndarray:
        """The group code of each member (``unknown`` for members without a row)."""
        return self._store.codes_of(np.asarray(member_ids, dtype=np.int64))

    def counts(self, member_ids: Any) -> np.ndarray:
        """How many of the members fall in each group (index = code)."""
        return self._store.counts(np.asarray(member_ids, dtype=np.int64))

    def label(self, frame: pd.DataFrame, column: str = "member_id") -> pd.DataFrame:
        """``frame`` with a ``group`` column (the code of its ``column``'s member)."""
        out = frame.copy()
        out["group"] = self.of(frame[column].to_numpy())
        return out
