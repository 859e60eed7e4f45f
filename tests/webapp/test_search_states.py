"""How the UI and API report partial results and an unavailable index (with a stand-in service)."""

from __future__ import annotations

from conftest import make_app, sign_in_as

from federator.types import SearchResponse
from talent.errors import IndexUnavailable


class PartialService:
    def search(self, request):
        return SearchResponse(query="nurse", query_type="free-text", total=0, page=1,
                              page_size=request.page_size, results=[], facets={},
                              standardizations=[], partial=True, partitions_answered=[0],
                              partitions_total=2, ranker="text", timings={"total": 1.0})


class DownService:
    def search(self, request):
        raise IndexUnavailable("no serving index version: run `talent index build`")


def _signed_in(app, account, world):
    return sign_in_as(app.test_client(), world, account.recruiter_id)


def test_ui_says_when_results_are_partial(web_world):
    app = make_app(web_world, SEARCH_SERVICE=PartialService())
    client = _signed_in(app, web_world.alice, web_world)
    html = client.get("/search?q=nurse").text
    assert "Partial results: 1 of 2 index partitions answered" in html


def test_api_flags_partial_results(web_world):
    client = make_app(web_world, SEARCH_SERVICE=PartialService()).test_client()
    r = client.post("/api/v1/search", json={"query": "nurse"},
                    headers={"Authorization": f"Bearer {web_world.alice.token}"})
    assert r.status_code == 200 and r.json["partial"] is True


def test_an_unavailable_index_is_a_503_with_what_to_do(web_world):
    app = make_app(web_world, SEARCH_SERVICE=DownService())
    r = app.test_client().post("/api/v1/search", json={"query": "nurse"},
                               headers={"Authorization": f"Bearer {web_world.alice.token}"})
    assert r.status_code == 503 and "talent index build" in r.json["error"]["message"]
    page = _signed_in(app, web_world.alice, web_world).get("/search?q=nurse")
    assert page.status_code == 503 and "talent index build" in page.text
