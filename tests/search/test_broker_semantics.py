"""Boolean queries mean what they say, over all partitions, on every backend."""

from __future__ import annotations

import pytest

from talent.query import parse_query

PAIRS = [("python", "java"), ("title:nurse", "skill:sql"),
         ('"machine learning"', "title:\"software developer\""),
         ("location:seattle", "skill:python")]


def matches(service, text: str) -> set[int]:
    parsed = parse_query(text, service.taxonomy)
    result = service.broker.search(parsed)
    return set(result.member_ids.tolist())


def total(service, text: str) -> int:
    return service.broker.search(parse_query(text, service.taxonomy)).total


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_or_count_is_the_sum_minus_the_overlap(four_on, a, b):
    assert total(four_on, f"({a}) OR ({b})") == (total(four_on, a) + total(four_on, b)
                                              - total(four_on, f"({a}) AND ({b})"))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_and_matches_a_subset_of_each_side(four_on, a, b):
    both = matches(four_on, f"({a}) AND ({b})")
    assert both <= matches(four_on, a)
    assert both <= matches(four_on, b)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_not_matches_nothing_of_the_excluded_side(four_on, a, b):
    without = matches(four_on, f"({a}) NOT ({b})")
    assert without.isdisjoint(matches(four_on, b))
    assert without | matches(four_on, f"({a}) AND ({b})") == matches(four_on, a)


def test_the_pairs_are_not_trivial(four_on):
    for a, b in PAIRS:
        assert total(four_on, a) > 0 and total(four_on, b) > 0, (a, b)


def test_counts_equal_the_candidates_returned_when_every_match_fits(four_on):
    result = four_on.broker.search(parse_query("python", four_on.taxonomy))
    assert result.total == len(result.member_ids) > 0


def test_a_title_matches_by_standardized_occupation_not_only_by_words(four_on):
    parsed = parse_query('title:"software developer"', four_on.taxonomy)
    assert parsed.title_ids()
    result = four_on.broker.search(parsed)
    docs = four_on.serving.documents(result.member_ids[:50].tolist())
    assert any("developer" not in d["title"].lower() for d in docs)


def test_structured_facets_filter(four_on):
    query = {"text": "python", "seniority": {"must_have": ["senior"]}}
    result = four_on.broker.search(parse_query(query, four_on.taxonomy))
    seniority = four_on.serving.features(result.member_ids)["seniority"]
    assert len(seniority) > 0 and set(seniority.tolist()) == {4}


@pytest.mark.parametrize("text", [
    "python", "python java", "python OR java", "title:nurse", "title:nurse skill:sql",
    '"machine learning"',
    "location:seattle skill:python", "python NOT java",
    "(title:nurse OR skill:sql) location:seattle",
    {"text": "python", "seniority": {"must_have": ["senior"]}, "open_to_work": True},
    {"skills": {"must_have": ["python", "sql"]}, "years_experience": {"min": 3}},
])
def test_the_match_bound_never_undercounts(four, text):
    """The document-frequency bound that lets a partition retrieve and read text coverage in
    one search is an upper bound of the true count, shard by shard."""
    snapshot = four.serving.snapshot()
    plan = four.broker.plan(parse_query(text, four.taxonomy), snapshot)
    for p in snapshot.partitions:
        count = p.count(plan.compile(p))
        assert count <= plan.match_bound(p) <= p.num_docs
        # the independence estimate is a guess, but never above the bound nor below zero
        assert 0.0 <= plan.match_estimate(p) <= plan.match_bound(p) + 1e-6
