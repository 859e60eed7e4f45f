"""Record layouts of the dynamic-feature counters and the one counters -> features transform."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Counters of a (recruiter or contract, member) pair; ``last_at``: epoch seconds of the last
#: event of any kind between them (0: never).
PAIR_FIELDS: tuple[str, ...] = ("views", "saves", "inmails", "accepts", "declines", "last_at")
#: Counters of a member: InMails received from anyone and their answers; times in epoch seconds.
MEMBER_FIELDS: tuple[str, ...] = ("inmails", "accepts", "declines", "last_inmail_at",
                                  "last_response_at")
#: Event kinds the history counts (the pair counters' first five fields, in order).
EVENT_KINDS: tuple[str, ...] = ("view", "save", "inmail", "accept", "decline")

#: Days over which a contact's or an answer's recency fades (exp(-days / this)).
RECENCY_DAYS = 30.0
#: Beta prior of a member's accept rate: (accepts + a) / (InMails answered or not + a + b).
ACCEPT_PRIOR = (1.0, 2.0)

_PAIR_FEATURES = ("viewed", "saved", "inmailed", "accepted", "declined", "contact_recency")
DYNAMIC_FEATURE_NAMES: tuple[str, ...] = (
    *(f"recruiter_{f}" for f in _PAIR_FEATURES),
    *(f"contract_{f}" for f in _PAIR_FEATURES),
    "member_inmails", "member_accepts", "member_declines", "member_unanswered",
    "member_accept_rate", "member_response_recency",
)


@dataclass
class DynamicRecords:
    """Counters of n candidates for one request: ``recruiter`` and ``contract`` (n, 6), ``member``
    (n, 5), int64, zeros where there is no history."""

    recruiter: np.ndarray
    contract: np.ndarray
    member: np.ndarray

    @classmethod
    def empty(cls, n: int) -> DynamicRecords:
        return cls(np.zeros((n, len(PAIR_FIELDS)), np.int64),
                   np.zeros((n, len(PAIR_FIELDS)), np.int64),
                   np.zeros((n, len(MEMBER_FIELDS)), np.int64))


def _recency(last_at: np.ndarray, now: np.ndarray | float) -> np.ndarray:
    days = np.maximum(np.asarray(now, np.float64) - last_at, 0.0) / 86400.0
    return np.where(last_at > 0, np.exp(-days / RECENCY_DAYS), 0.0)


def transform(records: DynamicRecords, now: np.ndarray | float) -> np.ndarray:
    """Features ``(n, len(DYNAMIC_FEATURE_NAMES))`` float32 of the counters at time ``now``
    (epoch seconds, one for all rows or one per row)."""
    r, c, m = records.recruiter, records.contract, records.member
    n = len(r)
    out = np.zeros((n, len(DYNAMIC_FEATURE_NAMES)), np.float32)
    if n == 0:
        return out
    for block, pair in enumerate((r, c)):
        base = block * len(_PAIR_FEATURES)
        out[:, base:base + 5] = np.log1p(pair[:, :5])
        out[:, base + 5] = _recency(pair[:, 5].astype(np.float64), now)
    base = 2 * len(_PAIR_FEATURES)
    inmails, accepts, declines = m[:, 0], m[:, 1], m[:, 2]
    a, b = ACCEPT_PRIOR
    out[:, base] = np.log1p(inmails)
    out[:, base + 1] = np.log1p(accepts)
    out[:, base + 2] = np.log1p(declines)
    out[:, base + 3] = np.log1p(np.maximum(inmails - accepts - declines, 0))
    out[:, base + 4] = (accepts + a) / (inmails + a + b)
    out[:, base + 5] = _recency(m[:, 4].astype(np.float64), now)
    return out
