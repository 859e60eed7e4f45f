"""The federator's stage runner: order, per-request switches, timing, failures, the contract."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from conftest import EVERYTHING, make_service

from federator.pipeline import Pipeline, RankingRequest, StageConfig
from federator.service import SearchService, empty_candidates
from federator.types import CandidateList, SearchRequest
from talent.errors import InvalidInput, QueryError


def _candidates(n: int) -> CandidateList:
    base = empty_candidates()
    ids = np.arange(1, n + 1, dtype=np.int64)
    return CandidateList(ids, np.linspace(1, 0, n, dtype=np.float32), np.zeros(n, np.int16),
                         np.zeros((n, base.features.shape[1]), np.float32), base.feature_names, n,
                         {}, [0], 1, {}, "test", {})


@dataclass
class Source:
    """A first stage handing out ``n`` fixed candidates."""

    n: int = 5
    name: str = "source"
    required: bool = True
    switches: tuple[str, ...] = ()
    config: StageConfig = StageConfig()

    def __call__(self, request, candidates):
        return _candidates(self.n)


@dataclass
class Reverse:
    """Reverses the order (scores follow the new rank)."""

    name: str = "reverse"
    required: bool = False
    switches: tuple[str, ...] = ()
    config: StageConfig = StageConfig()
    calls: int = 0

    def __call__(self, request, candidates):
        self.calls += 1
        order = np.arange(len(candidates))[::-1]
        return candidates.reordered(order, np.linspace(1, 0, len(candidates)),
                                    timings={"inner": 0.5})


@dataclass
class Broken:
    name: str = "broken"
    required: bool = False
    switches: tuple[str, ...] = ()
    config: StageConfig = StageConfig()
    error: BaseException = RuntimeError("model file is corrupt")

    def __call__(self, request, candidates):
        raise self.error


def _request(**stages: bool) -> RankingRequest:
    return RankingRequest(SearchRequest(1, 1, "python", stages=stages),
                          query=None)  # type: ignore[arg-type]


def test_stages_run_in_order_and_each_is_timed_by_the_runner():
    run = Pipeline([Source(), Reverse()]).run(_request(), empty_candidates())
    assert run.candidates.member_ids.tolist() == [5, 4, 3, 2, 1]
    assert [(r.name, r.status) for r in run.reports] == [("source", "ran"), ("reverse", "ran")]
    assert set(run.timings) == {"source", "reverse", "reverse.inner"}


def test_a_request_switches_a_stage_off():
    reverse = Reverse()
    run = Pipeline([Source(), reverse]).run(_request(reverse=False), empty_candidates())
    assert run.candidates.member_ids.tolist() == [1, 2, 3, 4, 5]
    assert reverse.calls == 0 and run.reports[1].status == "off"


def test_a_stage_off_by_config_runs_when_a_request_asks():
    reverse = Reverse(config=StageConfig(enabled=False))
    assert Pipeline([Source(), reverse]).run(_request(),
                                             empty_candidates()).reports[1].status == "off"
    assert Pipeline([Source(), reverse]).run(_request(reverse=True),
                                             empty_candidates()).reports[1].status == "ran"


def test_unknown_switches_and_switching_off_a_required_stage_are_refused():
    pipeline = Pipeline([Source(), Reverse()])
    with pytest.raises(InvalidInput, match="unknown stage switch 'l9'"):
        pipeline.run(_request(l9=False), empty_candidates())
    with pytest.raises(InvalidInput, match="cannot be switched off"):
        pipeline.run(_request(source=False), empty_candidates())


def test_a_failing_optional_stage_is_reported_and_skipped():
    run = Pipeline([Source(), Broken(), Reverse()]).run(_request(), empty_candidates())
    assert run.candidates.member_ids.tolist() == [5, 4, 3, 2, 1]
    assert run.failed == ["broken"]
    assert run.reports[1].detail == "RuntimeError (see the server log)"


def test_query_errors_and_required_stage_failures_propagate():
    with pytest.raises(QueryError):
        Pipeline([Source(), Broken(error=QueryError("bad"))]).run(_request(), empty_candidates())
    with pytest.raises(RuntimeError):
        Pipeline([Broken(required=True)]).run(_request(), empty_candidates())


def test_stage_names_are_unique():
    with pytest.raises(ValueError, match="unique"):
        Pipeline([Source(), Reverse(), Reverse()])


def test_a_stage_can_reorder_and_cut_but_never_add_members():
    cands = _candidates(4)
    assert cands.reordered(np.array([2, 0])).member_ids.tolist() == [3, 1]
    with pytest.raises(ValueError):
        cands.reordered(np.array([0, 0]))
    with pytest.raises(ValueError):
        cands.reordered(np.array([4]))


def test_a_non_boolean_switch_is_invalid_input():
    with pytest.raises(InvalidInput):
        SearchRequest(1, 1, "python", stages={"l1": "no"})  # type: ignore[dict-item]


# --- the service over a real index ----------------------------------------------------------------
def test_a_stage_after_the_broker_reorders_the_page_and_is_reported(search_world):
    plain = make_service(search_world, search_world.index_four, **EVERYTHING)
    staged = SearchService(plain.taxonomy, plain.serving, [plain.pipeline.stages[0], Reverse()])
    request = SearchRequest(1, 1, "python", page_size=5, facets=False)
    base = plain.search(request)
    reversed_ = staged.search(request)
    assert reversed_.total == base.total
    assert [r.member_id for r in reversed_.results] != [r.member_id for r in base.results]
    assert [(s.name, s.status) for s in reversed_.stages] == [("broker", "ran"), ("reverse", "ran")]
    assert "reverse" in reversed_.timings and "broker.partitions" in reversed_.timings
    off = staged.search(SearchRequest(1, 1, "python", page_size=5, facets=False,
                                      stages={"reverse": False}))
    assert [r.member_id for r in off.results] == [r.member_id for r in base.results]
    plain.close()


def test_l1_switched_off_ranks_by_text_match(search_world, four):
    class Flip:
        name = "flip"

        def predict(self, X):
            return -X[:, 0]

    l1 = make_service(search_world, search_world.index_four, scorer=Flip(), **EVERYTHING)
    request = SearchRequest(1, 1, "python developer", page_size=10, facets=False)
    with_l1 = l1.search(request)
    without = l1.search(SearchRequest(1, 1, "python developer", page_size=10, facets=False,
                                      stages={"l1": False}))
    text = four.search(request)
    assert with_l1.ranker == "flip" and without.ranker == "text-match"
    assert [r.member_id for r in without.results] == [r.member_id for r in text.results]
    assert [r.member_id for r in with_l1.results] != [r.member_id for r in text.results]
    l1.close()


def test_the_first_stage_must_be_the_broker(four):
    with pytest.raises(ValueError, match="first stage"):
        SearchService(four.taxonomy, four.serving, [Reverse()])
