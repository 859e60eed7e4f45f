"""Stage ``l2``: re-scores the broker's top N, names its models, refuses a mismatched L1,
answers without its cache (and says so), and reads the cache once per search."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from federator.l2 import L2Config, L2Stage
from federator.pipeline import Pipeline, RankingRequest, StageConfig
from federator.types import CandidateList, SearchRequest
from index.l1.features import FEATURE_INDEX, FEATURE_NAMES
from talent.cache import MemoryCache
from talent.dynamic.schema import DYNAMIC_FEATURE_NAMES
from talent.dynamic.sources import CacheSource
from talent.dynamic.store import DynamicStore, Event
from talent.errors import DatabaseUnavailable
from talent.glmix import DesignSpec, EntityEffects, GLMixModel

N = 40
OPEN = FEATURE_INDEX["open_to_work"]
DECLINED = DYNAMIC_FEATURE_NAMES.index("recruiter_declined")


@dataclass
class FakeL1:
    """An L1 model stand-in: scores by position, every row in leaf 0 of one tree."""

    version: str = "l1-v1"
    name: str = "l1-fake@l1-v1"

    def leaves(self, features: np.ndarray, trees: int | None = None) -> np.ndarray:
        return np.zeros((len(features), 1), np.int32)


def candidates(n: int = N) -> CandidateList:
    rng = np.random.default_rng(1)
    X = rng.random((n, len(FEATURE_NAMES))).astype(np.float32)
    X[:, OPEN] = (np.arange(n) % 2 == 1)  # odd positions are open to work
    return CandidateList(np.arange(1, n + 1, dtype=np.int64),
                         np.linspace(1, 0, n).astype(np.float32), np.zeros(n, np.int16), X,
                         FEATURE_NAMES, n, {}, [0], 1, {}, "l1-fake@l1-v1", {})


def model(l1_version: str = "l1-v1") -> GLMixModel:
    """Likes open-to-work members; recruiter 7 strongly dislikes members who declined them."""
    names = (*FEATURE_NAMES, "l1_score", *DYNAMIC_FEATURE_NAMES)
    d = len(names)
    spec = DesignSpec(names, np.zeros(d), np.ones(d), np.zeros((1, 1), np.int32))
    coef = np.zeros(d + 1)
    coef[OPEN] = 2.0
    rec = np.zeros((1, d + 1))
    rec[0, len(FEATURE_NAMES) + 1 + DECLINED] = -50.0
    return GLMixModel("l2-v1", spec, -3.0, coef,
                      {"recruiter": EntityEffects(np.array([7]), rec, np.array([100]))},
                      {"l1_version": l1_version})


class CountingCache(MemoryCache):
    def __init__(self) -> None:
        super().__init__()
        self.batched_reads = 0
        self.single_reads = 0

    def get_many(self, keys):
        self.batched_reads += 1
        return super().get_many(keys)

    def get(self, key):
        self.single_reads += 1
        return super().get(key)


class DownCache(MemoryCache):
    def get_many(self, keys):
        raise DatabaseUnavailable("cache redis://127.0.0.1:1/0 failed: connection refused")


def request(recruiter: int = 7) -> RankingRequest:
    return RankingRequest(SearchRequest(recruiter_id=recruiter, contract_id=3, query="nurse"),
                          None)  # type: ignore[arg-type]


def stage(cache: MemoryCache | None = None, top_n: int = 1000, l2_model=None) -> L2Stage:
    store = DynamicStore(cache if cache is not None else MemoryCache())
    return L2Stage(l2_model or model(), FakeL1(), CacheSource(store), L2Config(top_n=top_n))


def test_l2_puts_what_the_model_prefers_first_and_names_both_models():
    out = stage()(request(), candidates())
    assert set(out.member_ids[: N // 2].tolist()) == set(range(2, N + 1, 2))  # open to work
    assert np.all(np.diff(out.scores) <= 0) and 0 < out.scores.min() < out.scores.max() < 1
    assert out.ranker == "l1-fake@l1-v1 + l2-glmix@l2-v1"


def test_l2_keeps_only_the_top_n_it_rescored():
    out = stage(top_n=10)(request(), candidates())
    assert len(out) == 10 and set(out.member_ids.tolist()) <= set(range(1, 11))
    assert out.total == N


def test_a_recruiters_own_history_moves_their_ranking_only():
    cache = MemoryCache()
    DynamicStore(cache).record([Event(7, 3, 2, "decline", 100)])
    mine = stage(cache)(request(7), candidates())
    theirs = stage(cache)(request(8), candidates())
    assert mine.member_ids[-1] == 2 and theirs.member_ids[0] == 2


def test_one_batched_cache_read_per_search():
    cache = CountingCache()
    stage(cache)(request(), candidates())
    assert (cache.batched_reads, cache.single_reads) == (1, 0)


def test_without_its_cache_l2_still_ranks_and_says_so():
    pipeline = Pipeline([Source(candidates()), stage(DownCache())])
    run = pipeline.run(request(), candidates(0))
    report = run.reports[-1]
    assert report.status == "ran" and "dynamic features unavailable" in report.detail
    assert run.candidates.member_ids[0] % 2 == 0  # still L2's order


def test_an_l2_trained_on_another_l1_is_refused_and_l1_order_kept():
    refusing = stage(l2_model=model(l1_version="l1-v0"))
    assert refusing.config.enabled is False
    search = SearchRequest(recruiter_id=7, contract_id=3, query="nurse", stages={"l2": True})
    run = Pipeline([Source(candidates()), refusing]).run(RankingRequest(search, None),
                                                         candidates(0))
    report = run.reports[-1]
    assert report.status == "failed"
    assert "trained on L1 model l1-v0 but L1 l1-v1 is serving" in report.detail
    assert run.candidates.member_ids.tolist() == list(range(1, N + 1))


def test_without_a_model_l2_is_off_and_asking_for_it_says_why():
    off = L2Stage(None, FakeL1(), None)  # type: ignore[arg-type]
    assert off.config.enabled is False
    with pytest.raises(Exception, match="run `talent train l2`"):
        off(request(), candidates())


class Source:
    """A broker stand-in: hands out fixed candidates."""

    name = "broker"
    required = True
    switches: tuple[str, ...] = ()
    config = StageConfig()

    def __init__(self, cands: CandidateList):
        self.cands = cands

    def __call__(self, request, candidates):
        return self.cands


def test_a_model_fitted_around_the_margin_with_context_serves_what_training_scores():
    """Training's predictions (logged list, its context) and the stage's (the same list as it
    arrives) agree: the offset, the context columns and the centered random effects are built
    the same way on both sides."""
    from scipy.special import expit

    from talent.dynamic.schema import DynamicRecords, transform
    from talent.glmix.fit import GLMixConfig
    from talent.training.l2 import L2Inputs, L2Variant, fit_variant, predict_variant

    rng = np.random.default_rng(4)
    n, per = 8000, 40
    X = rng.random((n, len(FEATURE_NAMES))).astype(np.float32)
    score = rng.standard_normal(n).astype(np.float32)
    y = (rng.random(n) < expit(score - 3 + 1.5 * X[:, OPEN])).astype(float)
    ctx = np.repeat(X.reshape(-1, per, X.shape[1]).mean(axis=1), per, axis=0)
    dyn = transform(DynamicRecords.empty(n), 1.7e9)
    rec = np.repeat(rng.integers(1, 9, n // per), per)
    position = np.log1p(np.tile(np.arange(per), n // per))
    inputs = L2Inputs(np.column_stack([X, score, dyn, ctx, position]).astype(np.float32),
                      np.zeros((n, 0), np.int32), rec, np.full(n, 3), y, np.arange(n) // per)
    fitted = fit_variant(inputs, L2Variant(leaves=False), GLMixConfig(threads=1),
                         held_out=np.arange(n) >= int(0.8 * n))
    fitted.meta["l1_version"] = "l1-v1"
    rows = np.arange(per)  # the first search, recruiter rec[0]
    expected = predict_variant(fitted, inputs.subset(rows))
    listed = CandidateList(np.arange(1, per + 1, dtype=np.int64), score[rows],
                           np.zeros(per, np.int16), X[rows], FEATURE_NAMES, per, {}, [0], 1, {},
                           "l1-fake@l1-v1", {})
    out = stage(l2_model=fitted)(request(recruiter=int(rec[0])), listed)
    served = dict(zip(out.member_ids.tolist(), out.scores.tolist()))
    assert np.allclose([served[m] for m in range(1, per + 1)], expected, rtol=1e-4)
