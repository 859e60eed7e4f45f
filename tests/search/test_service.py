"""The search service end to end: pages, display fields, facets, errors, the CLI."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federator.types import SearchRequest
from talent.errors import InvalidInput, QueryError

MALFORMED = ["", "   ", "(", "a AND (", "title:", "NOT python", "AND", "a OR", '"unclosed',
             "-python", {"text": "python", "nonsense": 1}, {"seniority": {"must_have": ["nope"]}},
             {}]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_raise_query_error(four_on, query):
    with pytest.raises(QueryError):
        four_on.search(SearchRequest(1, 1, query))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('ab()"-: ORANDNOTtile+#.\\*?')), max_size=30))
def test_any_text_either_searches_or_raises_query_error(four_on, text):
    try:
        response = four_on.search(SearchRequest(1, 1, text, facets=False))
    except QueryError:
        return
    assert_consistent_first_page(response, page_size=25)


def assert_consistent_first_page(response, page_size):
    """A first page of a service that returns every match: the top ``page_size`` of ``total``
    matches, ranked 1..n, each member once, best score first, every partition answered."""
    results = response.results
    assert len(results) == min(response.total, page_size)
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert len({r.member_id for r in results}) == len(results)
    assert all(a.score >= b.score for a, b in itertools.pairwise(results))
    assert not response.partial and response.facets == {}


def test_a_page_carries_display_fields_and_standardizations(four_on):
    response = four_on.search(SearchRequest(1, 1, 'title:"software developer" skill:python',
                                            page_size=5))
    assert response.total > 5 and len(response.results) == 5
    assert [r.rank for r in response.results] == [1, 2, 3, 4, 5]
    first = response.results[0]
    assert first.name and first.title and first.location
    assert "Python" in first.matched_skills
    assert any(s.startswith("title: Software Developers (") for s in response.standardizations)
    assert response.timings["total"] > 0 and "broker" in response.timings


def test_pages_do_not_overlap_and_continue_the_order(four_on):
    p1 = four_on.search(SearchRequest(1, 1, "python", page=1, page_size=10))
    p2 = four_on.search(SearchRequest(1, 1, "python", page=2, page_size=10))
    ids1, ids2 = [r.member_id for r in p1.results], [r.member_id for r in p2.results]
    assert not set(ids1) & set(ids2)
    assert p1.results[-1].score >= p2.results[0].score


def test_facets_are_counted_and_labelled(four_on):
    response = four_on.search(SearchRequest(1, 1, "python"))
    titles = response.facets["title_id"]
    assert titles and titles[0].count > 0 and titles[0].label != titles[0].value
    assert sum(v.count for v in response.facets["open_to_work"]) == response.total


def test_bad_paging_is_invalid_input():
    with pytest.raises(InvalidInput):
        SearchRequest(1, 1, "python", page=0)


def test_the_response_is_json_ready(four_on):
    response = four_on.search(SearchRequest(1, 1, "python", page_size=3))
    data = response.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data  # plain JSON types, nothing lost
    assert [c["member_id"] for c in data["results"]] == [r.member_id for r in response.results]
    assert data["total"] == response.total and data["facets"].keys() == response.facets.keys()


def test_cli_search_prints_json(search_world):
    from talent.cli import cli

    home = str(search_world.settings.home)
    result = CliRunner().invoke(cli, ["--home", home, "search", "python", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{"):])
    assert len(payload["results"]) == 3 and payload["total"] > 3


@pytest.mark.ray
def test_cli_search_runs_on_the_ray_backend(search_world, ray_local, monkeypatch):
    from talent.cli import cli

    monkeypatch.setenv("TALENT_BACKEND", "ray")
    # a loaded machine starts the actors' first searches slowly: this test is about the path
    monkeypatch.setenv("TALENT_PARTITION_DEADLINE_MS", "60000")
    home = str(search_world.settings.home)
    result = CliRunner().invoke(cli, ["--home", home, "search", "python", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    assert payload["partitions_answered"] == [0, 1, 2, 3] and not payload["partial"]
    assert len(payload["results"]) == 3 and payload["total"] > 3


def test_cli_search_help_does_not_promise_personalization():
    from talent.cli import cli

    result = CliRunner().invoke(cli, ["search", "--help"])
    text = " ".join(result.output.split())
    assert result.exit_code == 0
    assert "personalization" not in text and "Ranking does not use it yet" in text


def test_cli_search_switches_a_stage_off(search_world):
    from talent.cli import cli

    home = str(search_world.settings.home)
    result = CliRunner().invoke(cli,
                                ["--home", home, "search", "python", "--stage", "l1=off", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{"):])
    assert payload["ranker"] == "text-match" and payload["stages"][0]["name"] == "broker"
    bad = CliRunner().invoke(cli, ["--home", home, "search", "python", "--stage", "l1"])
    assert bad.exit_code != 0 and "NAME=on or NAME=off" in bad.output
