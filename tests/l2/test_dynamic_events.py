"""Dynamic features written as events commit, rebuilt from the database, in a real Redis."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from talent.cache import MemoryCache, open_cache
from talent.dynamic.history import EventHistory, logs_stamp
from talent.dynamic.hooks import record_events_to
from talent.dynamic.sources import ensure_warm
from talent.dynamic.store import DynamicStore, Event
from talent.storage import Database


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'talent.db'}")
    database.upgrade()
    yield database
    record_events_to(database.engine, None)
    database.dispose()


@pytest.fixture
def people(db):
    from talent.storage.models import Contract, Member, Recruiter

    with db.session() as s:
        contract = Contract(name="Acme in-house")
        s.add(contract)
        s.flush()
        recruiter = Recruiter(contract_id=contract.id, name="Ann", email="ann@a.example")
        member = Member(first_name="Cy", last_name="D")
        s.add_all([recruiter, member])
        s.flush()
        return {"recruiter": recruiter.id, "contract": contract.id, "member": member.id}


def act(db, people, *, fail: bool = False) -> None:
    from talent.storage.access import RecruiterScope

    with db.session() as s:
        scope = RecruiterScope(s, people["recruiter"])
        scope.record_feedback(people["member"], "view")
        mail = scope.send_inmail(people["member"], "Hello")
        scope.record_inmail_response(mail.id, "accepted")
        if fail:
            raise RuntimeError("the request failed after the writes")


def test_committed_views_inmails_and_answers_update_the_counters(db, people):
    store = DynamicStore(MemoryCache())
    record_events_to(db.engine, store)
    act(db, people)
    rec = store.read(people["recruiter"], people["contract"], np.array([people["member"]]))
    assert rec.recruiter[0, :5].tolist() == [1, 0, 1, 1, 0]
    assert rec.member[0, :3].tolist() == [1, 1, 0]


def test_a_rolled_back_transaction_records_nothing(db, people):
    store = DynamicStore(MemoryCache())
    record_events_to(db.engine, store)
    with pytest.raises(RuntimeError):
        act(db, people, fail=True)
    rec = store.read(people["recruiter"], people["contract"], np.array([people["member"]]))
    assert rec.recruiter.sum() == 0 and rec.member.sum() == 0


def test_a_lost_cache_is_rebuilt_to_the_same_counters(db, people):
    live = DynamicStore(MemoryCache())
    record_events_to(db.engine, live)
    act(db, people)
    cold = DynamicStore(MemoryCache())
    assert ensure_warm(cold, db.engine) is True
    assert ensure_warm(cold, db.engine) is False  # warm now: nothing to do
    ids = np.array([people["member"]])
    a = live.read(people["recruiter"], people["contract"], ids)
    b = cold.read(people["recruiter"], people["contract"], ids)
    for block in ("recruiter", "contract", "member"):
        assert np.array_equal(getattr(a, block), getattr(b, block))


@pytest.mark.redis
def test_counters_live_in_redis_across_processes(redis_url):
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    writer = DynamicStore(open_cache(redis_url, namespace))
    reader = DynamicStore(open_cache(redis_url, namespace))
    try:
        writer.warm(EventHistory.from_events(__import__("pandas").DataFrame(
            [(1, 2, 3, "view", 10)],
            columns=["recruiter_id", "contract_id", "member_id", "kind", "at"])), {"world": "w"})
        writer.record([Event(1, 2, 3, "inmail", 20)])
        rec = reader.read(1, 2, np.array([3, 4]))
        assert rec.recruiter[:, :3].tolist() == [[1, 0, 1], [0, 0, 0]]
        assert reader.is_warm({"world": "w"})
    finally:
        writer.cache.clear()


def test_the_stamp_names_the_databases_world(db):
    assert logs_stamp(db.engine) == {"world": None}
