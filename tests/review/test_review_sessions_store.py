"""Review sessions in the cache: compare-and-set keeps every verdict, expiry, stage ``bandit``."""

from __future__ import annotations

import threading
import time
import uuid
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from test_review_core import make_pool, two_kinds

from federator.review import choose_next, new_state, present
from federator.sessions import SessionExpired, SessionStore
from talent.cache import MemoryCache, open_cache


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache_url(request):
    return "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")


def started(store: SessionStore, presented: int = 0, seed: int = 0):
    pool = make_pool(two_kinds(40))
    state = new_state(f"t-{uuid.uuid4().hex[:8]}", pool, recruiter_id=1, contract_id=1,
                      seed=seed)
    for _ in range(presented):
        present(state, choose_next(pool, state))
    store.create(state, pool)
    return state.session_id, pool


class InterleavingCache(MemoryCache):
    """A cache where another writer changes the key once, between a reader's get and its CAS."""

    def __init__(self, intruder):
        super().__init__()
        self.intruder = intruder
        self.armed = False

    def compare_and_set(self, key, expected, value, ttl=None):
        if self.armed:
            self.armed = False
            self.intruder()
        return super().compare_and_set(key, expected, value, ttl)


def test_a_write_that_lost_the_race_is_redone_over_the_winner():
    cache = InterleavingCache(lambda: None)
    store = SessionStore(cache)
    sid, pool = started(store, presented=2)
    first, second = store.state(sid).presented

    def other_tab():
        store.update(sid, lambda s: s.verdicts.__setitem__(first, "good_fit"))

    cache.intruder = other_tab
    cache.armed = True
    store.update(sid, lambda s: s.verdicts.__setitem__(second, "not_fit"))
    assert store.state(sid).verdicts == {first: "good_fit", second: "not_fit"}
    assert store.conflicts == 1


def test_two_stores_on_one_cache_never_lose_a_verdict_under_concurrency(cache_url):
    from federator.review import apply_verdict

    namespace = f"test-{uuid.uuid4().hex[:8]}"
    caches = [open_cache(cache_url, namespace) if cache_url != "memory://" else None]
    if caches[0] is None:
        shared = MemoryCache(namespace)
        caches = [shared, shared]
    else:
        caches.append(open_cache(cache_url, namespace))   # two clients: two "web workers"
    stores = [SessionStore(c) for c in caches]
    sid, pool = started(stores[0], presented=24)
    presented = stores[0].state(sid).presented
    barrier = threading.Barrier(8)

    def tab(worker: int, indexes: list[int]) -> None:
        barrier.wait()
        for i in indexes:
            stores[worker % 2].update(sid, lambda s, i=i: apply_verdict(pool, s, i, "good_fit"))

    threads = [threading.Thread(target=tab, args=(w, presented[w::8])) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state = stores[1].state(sid)
    assert sorted(state.verdicts) == sorted(presented)
    assert sum(state.successes) == 24 and state.skills.n_good == 24
    for c in caches:
        c.clear()


def test_a_session_expires_after_its_lifetime(cache_url):
    store = SessionStore(open_cache(cache_url, f"test-{uuid.uuid4().hex[:8]}"), ttl=0.2)
    sid, _ = started(store)
    time.sleep(0.4)
    assert store.state(sid) is None
    store.forget(sid)
    with pytest.raises(SessionExpired, match="start a new one"):
        store.pool(sid)
    with pytest.raises(SessionExpired):
        store.update(sid, lambda s: None)


def test_using_a_session_keeps_it_alive(cache_url):
    store = SessionStore(open_cache(cache_url, f"test-{uuid.uuid4().hex[:8]}"), ttl=0.5)
    sid, _ = started(store)
    for _ in range(4):
        time.sleep(0.2)
        store.update(sid, lambda s: None)
        store.pool(sid)
    assert store.state(sid) is not None


def test_a_malformed_session_id_is_refused():
    from talent.errors import InvalidInput

    with pytest.raises(InvalidInput):
        SessionStore(MemoryCache()).state("../etc/passwd")


# --- stage bandit --------------------------------------------------------------------------------
class FakeServing:
    """Forward-store skills of members 1..n: odd members hold skill 'b', even ones skill 'c';
    all hold 'a'."""

    def __init__(self):
        self.vocab = SimpleNamespace(term=lambda kind, code: "abc"[code])

    def features(self, ids):
        rows = [[0, 1] if m % 2 else [0, 2] for m in ids]
        matrix = sp.csr_matrix((np.ones(2 * len(rows)), np.concatenate(rows),
                                np.arange(0, 2 * len(rows) + 1, 2)), shape=(len(rows), 3))
        return SimpleNamespace(csr={"skills": SimpleNamespace(indptr=matrix.indptr,
                                                              indices=matrix.indices)})


def ranked(n: int = 20):
    """Members 1..n, best first."""
    from federator.types import CandidateList

    return CandidateList(np.arange(1, n + 1, dtype=np.int64),
                         np.linspace(1, 0, n).astype(np.float32), np.zeros(n, np.int16),
                         np.zeros((n, 1), np.float32), ("f",), n, {}, [0], 1, {}, "test", {})


def request(session_id, recruiter_id=1):
    from federator.pipeline import RankingRequest
    from federator.types import SearchRequest

    return RankingRequest(SearchRequest(recruiter_id=recruiter_id, contract_id=1, query="x",
                                        session_id=session_id), None)


@pytest.fixture
def stage():
    from federator.bandit import BanditConfig, BanditStage

    store = SessionStore(MemoryCache())
    state = new_state("liked-b", None, recruiter_id=1, contract_id=1)
    state.skills.add({"a": 1.0, "b": 1.0}, good=True)
    state.skills.add({"a": 1.0, "c": 1.0}, good=False)
    store.create(state, None)
    store.create(new_state("no-feedback", None, recruiter_id=1, contract_id=1), None)
    return BanditStage(store, FakeServing(), BanditConfig())


def test_the_stage_lifts_candidates_with_the_sessions_liked_skills(stage):
    out = stage(request("liked-b"), ranked())
    top = out.member_ids[:10]
    assert (top % 2 == 1).sum() >= 8 and "score" in out.timings
    assert sorted(out.member_ids.tolist()) == list(range(1, 21))


@pytest.mark.parametrize("session_id,recruiter", [(None, 1), ("unknown", 1), ("no-feedback", 1),
                                                  ("liked-b", 2)])
def test_the_stage_leaves_the_order_alone_without_a_usable_session(stage, session_id, recruiter):
    candidates = ranked()
    assert stage(request(session_id, recruiter), candidates) is candidates


def test_the_stage_ignores_a_session_id_that_cannot_name_a_session(stage):
    candidates = ranked()
    assert stage(request("a client's own id!"), candidates) is candidates
