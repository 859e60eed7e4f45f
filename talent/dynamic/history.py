"""The event history behind the dynamic features, read from the database: the counters as they
were at any time.

Training reads each logged search's counters as they were just before it (events strictly earlier
than the search), so nothing from the future leaks in; ``talent cache warm`` writes the counters
as they are now. Both come from the same :class:`EventIndex`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import text

from talent.dynamic.schema import EVENT_KINDS, DynamicRecords

_SPAN = np.int64(1) << np.int64(40)  # seconds per key in the composite (key, time) sort order
_KIND = {k: i for i, k in enumerate(EVENT_KINDS)}


def pair_key(entity: np.ndarray | int, member: np.ndarray | int) -> np.ndarray:
    """One int64 per (recruiter or contract, member) pair."""
    return (np.asarray(entity, np.int64) << np.int64(32)) | np.asarray(member, np.int64)


def epoch_seconds(values: Any) -> np.ndarray:
    """Naive UTC datetimes (the database's) as int64 epoch seconds (0 for missing)."""
    stamps = pd.to_datetime(pd.Series(values), utc=False)
    out = stamps.astype("int64").to_numpy() // 1_000_000_000
    return np.where(stamps.isna().to_numpy(), 0, out).astype(np.int64)


class EventIndex:
    """Events (key, time, kind) sorted so that the counts of each kind and the last time of any
    event of a key before a given time are two binary searches away."""

    def __init__(self, keys: np.ndarray, times: np.ndarray, kinds: np.ndarray, n_kinds: int):
        keys, times = np.asarray(keys, np.int64), np.asarray(times, np.int64)
        kinds = np.asarray(kinds, np.int64)
        order = np.lexsort((times, keys))
        self.n_kinds = n_kinds
        self.times = times[order]
        sorted_keys = keys[order]
        self.keys, self.starts = np.unique(sorted_keys, return_index=True)
        self.ends = np.r_[self.starts[1:], len(sorted_keys)].astype(np.int64)
        self.t0 = int(self.times.min()) if len(self.times) else 0
        group = np.repeat(np.arange(len(self.keys), dtype=np.int64), self.ends - self.starts)
        self.composite = group * _SPAN + (self.times - self.t0)
        onehot = np.zeros((len(kinds), n_kinds), np.int64)
        onehot[np.arange(len(kinds)), kinds[order]] = 1
        self.cum = np.zeros((len(kinds) + 1, n_kinds), np.int64)
        np.cumsum(onehot, axis=0, out=self.cum[1:])

    def __len__(self) -> int:
        return len(self.times)

    def at(self, keys: np.ndarray, times: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Counts per kind ``(n, n_kinds)`` and the last event time ``(n,)`` (0: none) of each key
        over the events strictly before its time (``times`` None: all events)."""
        keys = np.asarray(keys, np.int64)
        n = len(keys)
        counts = np.zeros((n, self.n_kinds), np.int64)
        last = np.zeros(n, np.int64)
        if n == 0 or len(self.keys) == 0:
            return counts, last
        g = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        found = self.keys[g] == keys
        start = self.starts[g]
        if times is None:
            pos = self.ends[g]
        else:
            rel = np.clip(np.asarray(times, np.int64) - self.t0, 0, _SPAN - 1)
            pos = np.searchsorted(self.composite, g * _SPAN + rel, side="left")
        pos = np.where(found, pos, start)
        counts = self.cum[pos] - self.cum[start]
        has = pos > start
        last[has] = self.times[pos[has] - 1]
        return counts, last

    def final(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every key with its counts and last time over all events."""
        counts, last = self.at(self.keys, None)
        return self.keys, counts, last


@dataclass
class EventHistory:
    """Recruiter-member, contract-member and member event indexes."""

    recruiter: EventIndex        # key (recruiter, member), kinds EVENT_KINDS
    contract: EventIndex         # key (contract, member), kinds EVENT_KINDS
    member_inmails: EventIndex   # key member, one kind (InMail received)
    member_answers: EventIndex   # key member, kinds (accept, decline)

    @classmethod
    def from_events(cls, events: pd.DataFrame) -> EventHistory:
        """From a frame with columns ``recruiter_id, contract_id, member_id, kind`` (one of
        :data:`EVENT_KINDS`) and ``at`` (epoch seconds)."""
        kind = events["kind"].map(_KIND).to_numpy(dtype=np.int64)
        at = events["at"].to_numpy(dtype=np.int64)
        member = events["member_id"].to_numpy(dtype=np.int64)
        rec = pair_key(events["recruiter_id"].to_numpy(dtype=np.int64), member)
        con = pair_key(events["contract_id"].to_numpy(dtype=np.int64), member)
        n = len(EVENT_KINDS)
        inmail = kind == _KIND["inmail"]
        answer = (kind == _KIND["accept"]) | (kind == _KIND["decline"])
        return cls(EventIndex(rec, at, kind, n), EventIndex(con, at, kind, n),
                   EventIndex(member[inmail], at[inmail], np.zeros(int(inmail.sum())), 1),
                   EventIndex(member[answer], at[answer], kind[answer] - _KIND["accept"], 2))

    @classmethod
    def from_database(cls, engine: Any) -> EventHistory:
        return cls.from_events(read_events(engine))

    def records(self, recruiter_ids: np.ndarray, contract_ids: np.ndarray,
                member_ids: np.ndarray, times: np.ndarray | None) -> DynamicRecords:
        """The counters of each (recruiter, contract, member) row as they were just before its
        time (epoch seconds; None: now, after every event). Recruiter or contract ids <= 0 (a
        request without one) have no history."""
        members = np.asarray(member_ids, np.int64)
        out = DynamicRecords.empty(len(members))
        for index, ids, target in ((self.recruiter, recruiter_ids, out.recruiter),
                                   (self.contract, contract_ids, out.contract)):
            ids = np.broadcast_to(np.asarray(ids, np.int64), members.shape)
            counts, last = index.at(pair_key(ids, members), times)
            known = (ids > 0)[:, None]
            target[:, :5] = np.where(known, counts, 0)
            target[:, 5] = np.where(known[:, 0], last, 0)
        counts, last_inmail = self.member_inmails.at(members, times)
        answers, last_answer = self.member_answers.at(members, times)
        out.member[:, 0] = counts[:, 0]
        out.member[:, 1:3] = answers
        out.member[:, 3] = last_inmail
        out.member[:, 4] = last_answer
        return out


def read_events(engine: Any) -> pd.DataFrame:
    """Every view, save, InMail and answer in the database as ``recruiter_id, contract_id,
    member_id, kind, at`` (epoch seconds), in time order."""
    with engine.connect() as conn:
        feedback = pd.read_sql(text(
            "SELECT recruiter_id, contract_id, member_id, kind, created_at AS at FROM feedback "
            "WHERE kind IN ('view', 'save')"), conn)
        inmails = pd.read_sql(text(
            "SELECT recruiter_id, contract_id, member_id, status, sent_at, responded_at "
            "FROM inmails"), conn)
    feedback["at"] = epoch_seconds(feedback["at"])
    sent = inmails.assign(kind="inmail", at=epoch_seconds(inmails["sent_at"]))
    answered = inmails.loc[inmails["status"].isin(("accepted", "declined"))
                           & inmails["responded_at"].notna()]
    answers = answered.assign(kind=answered["status"].map({"accepted": "accept",
                                                           "declined": "decline"}),
                              at=epoch_seconds(answered["responded_at"]))
    cols = ["recruiter_id", "contract_id", "member_id", "kind", "at"]
    events = pd.concat([feedback[cols], sent[cols], answers[cols]], ignore_index=True)
    return events.sort_values("at", kind="stable").reset_index(drop=True)


def logs_stamp(engine: Any) -> dict[str, Any]:
    """Which logs the counters come from: the database's world and when it was generated and
    simulated (a new simulation replaces every log, so the counters must be rebuilt)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, content_hash, generated_at, simulated_at FROM "
                                "world_info ORDER BY generated_at DESC LIMIT 1")).first()
    if row is None:
        return {"world": None}
    return {"world": row[0], "content_hash": row[1], "generated_at": str(row[2]),
            "simulated_at": str(row[3])}
