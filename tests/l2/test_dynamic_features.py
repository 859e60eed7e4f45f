"""Dynamic features: the counters as of a time, in the cache, and their one transform."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talent.cache import MemoryCache
from talent.dynamic.history import EventHistory
from talent.dynamic.schema import DYNAMIC_FEATURE_NAMES, DynamicRecords, transform
from talent.dynamic.store import DynamicStore, Event

DAY = 86400
EVENTS = [  # recruiter, contract, member, kind, at
    (1, 10, 5, "view", 1 * DAY),
    (1, 10, 5, "inmail", 2 * DAY),
    (1, 10, 5, "decline", 3 * DAY),
    (2, 10, 5, "view", 4 * DAY),
    (2, 10, 6, "inmail", 5 * DAY),
    (2, 10, 6, "accept", 6 * DAY),
    (3, 20, 6, "save", 7 * DAY),
]


def frame(events=EVENTS) -> pd.DataFrame:
    return pd.DataFrame(events, columns=["recruiter_id", "contract_id", "member_id", "kind", "at"])


def feature(records: DynamicRecords, name: str, now: float) -> np.ndarray:
    return transform(records, now)[:, DYNAMIC_FEATURE_NAMES.index(name)]


def test_an_event_after_the_search_is_not_seen():
    history = EventHistory.from_events(frame())
    before = history.records(np.array([1]), np.array([10]), np.array([5]), np.array([2 * DAY]))
    after = history.records(np.array([1]), np.array([10]), np.array([5]), np.array([2 * DAY + 1]))
    assert before.recruiter[0, 2] == 0 and before.member[0, 0] == 0  # InMail at 2 days: not yet
    assert after.recruiter[0, 2] == 1 and after.member[0, 0] == 1


def test_a_planted_later_event_changes_nothing_before_it():
    at = np.array([4 * DAY])
    plain = EventHistory.from_events(frame()).records([1], [10], [5], at)
    planted = frame(EVENTS + [(1, 10, 5, "accept", 4 * DAY), (1, 10, 5, "inmail", 9 * DAY)])
    seen = EventHistory.from_events(planted).records([1], [10], [5], at)
    for block in ("recruiter", "contract", "member"):
        assert np.array_equal(getattr(plain, block), getattr(seen, block))


def test_contract_history_pools_its_recruiters_and_others_see_none():
    history = EventHistory.from_events(frame())
    rec = history.records(np.array([2, 9]), np.array([10, 99]), np.array([5, 5]), None)
    assert rec.contract[0, :3].tolist() == [2, 0, 1]     # two views and one InMail at contract 10
    assert rec.recruiter[0, :3].tolist() == [1, 0, 0]    # recruiter 2 only viewed
    assert rec.recruiter[1].sum() == 0 and rec.contract[1].sum() == 0


def test_member_counts_inmails_and_answers_from_anyone():
    rec = EventHistory.from_events(frame()).records([0, 0], [0, 0], [5, 6], None)
    assert rec.member[:, :3].tolist() == [[1, 0, 1], [1, 1, 0]]
    assert rec.recruiter.sum() == 0  # no recruiter given: no pair history


def test_warm_and_events_as_they_happen_give_the_same_counters():
    warmed = DynamicStore(MemoryCache())
    warmed.warm(EventHistory.from_events(frame()), {"world": "w"})
    live = DynamicStore(MemoryCache())
    live.record(Event(*e) for e in EVENTS)
    members = np.array([5, 6, 7])
    for rid, cid in ((1, 10), (2, 10), (3, 20), (None, None)):
        a, b = warmed.read(rid, cid, members), live.read(rid, cid, members)
        for block in ("recruiter", "contract", "member"):
            assert np.array_equal(getattr(a, block), getattr(b, block)), (rid, block)


def test_the_cache_serves_what_the_history_says_now():
    history = EventHistory.from_events(frame())
    store = DynamicStore(MemoryCache())
    store.warm(history, {"world": "w"})
    members = np.array([5, 6, 7])
    cached = store.read(2, 10, members)
    replayed = history.records(np.full(3, 2), np.full(3, 10), members, None)
    assert np.array_equal(transform(cached, 8 * DAY), transform(replayed, 8 * DAY))


def test_warm_replaces_old_counters_and_records_its_stamp():
    store = DynamicStore(MemoryCache())
    store.record([Event(1, 10, 77, "view", DAY)])
    store.warm(EventHistory.from_events(frame()), {"world": "w", "simulated_at": "x"})
    assert store.read(1, 10, np.array([77])).recruiter.sum() == 0
    assert store.is_warm({"world": "w", "simulated_at": "x"})
    assert not store.is_warm({"world": "w", "simulated_at": "y"})


def test_recency_fades_and_never_means_zero():
    rec = DynamicRecords.empty(2)
    rec.recruiter[0, 5] = 10 * DAY
    now = 10 * DAY + 30 * DAY
    values = feature(rec, "recruiter_contact_recency", now)
    assert values[0] == pytest.approx(np.exp(-1.0)) and values[1] == 0.0


def test_accept_rate_is_smoothed_towards_the_prior():
    rec = DynamicRecords.empty(2)
    rec.member[0, :2] = [10, 9]
    rate = feature(rec, "member_accept_rate", 0)
    assert rate[0] == pytest.approx(10 / 13) and rate[1] == pytest.approx(1 / 3)


def test_an_unknown_event_kind_is_refused():
    with pytest.raises(ValueError, match="unknown event kind"):
        Event(1, 1, 1, "like", 0)
