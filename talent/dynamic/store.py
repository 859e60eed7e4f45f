"""The dynamic features in the cache: keys, the one batched read per search, event writes, warm.

Keys (values are packed little-endian int64 counters, :mod:`talent.dynamic.schema`):
``dyn:r:<recruiter>:<member>``, ``dyn:c:<contract>:<member>``, ``dyn:m:<member>`` and
``dyn:stamp`` (which logs the counters were rebuilt from: the world and when it was simulated).
A cache without the stamp, or with another one, is cold: :meth:`DynamicStore.warm` rebuilds it
from the database, so a lost cache loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from talent.cache.base import Cache
from talent.dynamic.history import EventHistory
from talent.dynamic.schema import EVENT_KINDS, MEMBER_FIELDS, PAIR_FIELDS, DynamicRecords
from talent.logging import get_logger

log = get_logger(__name__)

PREFIX = "dyn:"
STAMP_KEY = "dyn:stamp"
WARM_BATCH = 5000


@dataclass(frozen=True)
class Event:
    """One thing that happened between a recruiter (of a contract) and a member, at ``at``
    (epoch seconds): a view, a save, an InMail, or the member's accept or decline of one."""

    recruiter_id: int
    contract_id: int
    member_id: int
    kind: str
    at: int

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; known: {', '.join(EVENT_KINDS)}")


def _pack(values: np.ndarray) -> bytes:
    return np.asarray(values, dtype="<i8").tobytes()


def _unpack(raw: bytes | None, width: int) -> np.ndarray:
    if raw is None:
        return np.zeros(width, np.int64)
    values = np.frombuffer(raw, dtype="<i8")
    if len(values) != width:  # a record from another layout: no history rather than garbage
        return np.zeros(width, np.int64)
    return values.astype(np.int64)


def recruiter_key(recruiter_id: int, member_id: int) -> str:
    return f"dyn:r:{recruiter_id}:{member_id}"


def contract_key(contract_id: int, member_id: int) -> str:
    return f"dyn:c:{contract_id}:{member_id}"


def member_key(member_id: int) -> str:
    return f"dyn:m:{member_id}"


class DynamicStore:
    """Dynamic-feature counters in a :class:`~talent.cache.base.Cache`."""

    def __init__(self, cache: Cache):
        self.cache = cache

    def read(self, recruiter_id: int | None, contract_id: int | None,
             member_ids: np.ndarray) -> DynamicRecords:
        """The counters of ``member_ids`` for this recruiter and contract: ONE batched read."""
        members = [int(m) for m in np.asarray(member_ids, np.int64)]
        n = len(members)
        keys = [member_key(m) for m in members]
        if recruiter_id is not None:
            keys += [f"dyn:r:{recruiter_id}:{m}" for m in members]
        if contract_id is not None:
            keys += [f"dyn:c:{contract_id}:{m}" for m in members]
        values = self.cache.get_many(keys) if n else []
        out = DynamicRecords.empty(n)
        blocks = [(out.member, len(MEMBER_FIELDS))]
        if recruiter_id is not None:
            blocks.append((out.recruiter, len(PAIR_FIELDS)))
        if contract_id is not None:
            blocks.append((out.contract, len(PAIR_FIELDS)))
        for b, (target, width) in enumerate(blocks):
            for i, raw in enumerate(values[b * n:(b + 1) * n]):
                if raw is not None:
                    target[i] = _unpack(raw, width)
        return out

    # -- writes as events happen ---------------------------------------------------------------
    def record(self, events: Iterable[Event]) -> int:
        """Add events to the counters (each key updated atomically); returns how many."""
        count = 0
        for e in events:
            k = EVENT_KINDS.index(e.kind)

            def bump_pair(raw: bytes | None, k: int = k, at: int = e.at) -> bytes:
                rec = _unpack(raw, len(PAIR_FIELDS))
                rec[k] += 1
                rec[5] = max(rec[5], at)
                return _pack(rec)

            self.cache.update(recruiter_key(e.recruiter_id, e.member_id), bump_pair)
            self.cache.update(contract_key(e.contract_id, e.member_id), bump_pair)
            if e.kind in ("inmail", "accept", "decline"):
                def bump_member(raw: bytes | None, kind: str = e.kind, at: int = e.at) -> bytes:
                    rec = _unpack(raw, len(MEMBER_FIELDS))
                    if kind == "inmail":
                        rec[0] += 1
                        rec[3] = max(rec[3], at)
                    else:
                        rec[1 if kind == "accept" else 2] += 1
                        rec[4] = max(rec[4], at)
                    return _pack(rec)

                self.cache.update(member_key(e.member_id), bump_member)
            count += 1
        return count

    # -- rebuilding from the database ------------------------------------------------------------
    def stamp(self) -> dict[str, Any] | None:
        raw = self.cache.get(STAMP_KEY)
        try:
            return None if raw is None else dict(json.loads(raw))
        except ValueError:
            return None

    def is_warm(self, stamp: dict[str, Any]) -> bool:
        """True when the cache holds counters rebuilt from the logs ``stamp`` names."""
        return self.stamp() == stamp

    def warm(self, history: EventHistory, stamp: dict[str, Any]) -> int:
        """Replace every ``dyn:*`` key by the counters of ``history`` now; returns the keys
        written."""
        self.cache.delete_prefix(PREFIX)
        written = 0
        for items in _records(history):
            self.cache.set_many(items)
            written += len(items)
        self.cache.set(STAMP_KEY, json.dumps(stamp, sort_keys=True).encode())
        log.info("dynamic.warm", keys=written)
        return written


def _records(history: EventHistory) -> Iterable[dict[str, bytes]]:
    """Batches of key -> packed counters of every key the history holds."""
    def batches(keys: Sequence[str], rows: np.ndarray) -> Iterable[dict[str, bytes]]:
        for a in range(0, len(keys), WARM_BATCH):
            yield {k: _pack(r) for k, r in zip(keys[a:a + WARM_BATCH], rows[a:a + WARM_BATCH])}

    for index, letter in ((history.recruiter, "r"), (history.contract, "c")):
        keys, counts, last = index.final()
        names = [f"dyn:{letter}:{int(k) >> 32}:{int(k) & 0xFFFFFFFF}" for k in keys]
        yield from batches(names, np.column_stack([counts, last]))
    members = np.union1d(history.member_inmails.keys, history.member_answers.keys)
    rec = history.records(np.zeros(len(members)), np.zeros(len(members)), members, None).member
    yield from batches([member_key(int(m)) for m in members], rec)
