"""Sharding must not change what matches: 1 shard and 4 shards give the same hits and counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from index_world import OCCUPATIONS, SKILL_NAMES, WORDS, new_world

from index.build.builder import build_index
from index.serving import queries as Q
from index.serving.plan import BoolNode, QueryFeatures, QueryPlan, TermLeaf
from index.serving.serving_index import ServingIndex


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("equivalence")
    world = new_world(root, 300, seed=5)
    build_index(root / "one", world.url, shards=1, processes=0)
    build_index(root / "four", world.url, shards=4, processes=0)
    yield ServingIndex(root / "one"), ServingIndex(root / "four")
    world.db.dispose()


titles = [t for _, ts, _ in OCCUPATIONS for t in ts]
leaf = st.one_of(
    st.sampled_from([o for o, _, _ in OCCUPATIONS]).map(lambda v: ("term", "title_id", v)),
    st.sampled_from(sorted(SKILL_NAMES)).map(lambda v: ("term", "skill_ids", v)),
    st.tuples(st.sampled_from(["title", "skills", "headline", "summary", "past_titles"]),
              st.lists(st.sampled_from(WORDS + titles + list(SKILL_NAMES.values())), min_size=1,
                       max_size=3))
    .map(lambda t: ("text", t[0], " ".join(t[1]))),
    st.sampled_from(titles).map(lambda v: ("phrase", "title", v)),
    st.integers(1, 5).map(lambda v: ("term", "metro_id", v)),
    st.booleans().map(lambda v: ("term", "open_to_work", v)),
    st.tuples(st.integers(0, 8), st.integers(0, 8)).map(lambda r: ("range", "seniority", min(r),
                                                                   max(r))),
    st.floats(0, 30).map(lambda v: ("range", "years_experience", v, None)),
)
spec = st.recursive(leaf, lambda children: st.one_of(
    st.lists(children, min_size=1, max_size=3).map(lambda cs: ("must", cs)),
    st.lists(children, min_size=1, max_size=3).map(lambda cs: ("should", cs)),
    st.tuples(children, children).map(lambda ab: ("exclude", ab)),
), max_leaves=5)


def build(s):
    kind = s[0]
    if kind == "term":
        return Q.term(s[1], s[2])
    if kind == "text":
        return Q.text(s[1], s[2])
    if kind == "phrase":
        return Q.phrase(s[1], s[2])
    if kind == "range":
        return Q.value_range(s[1], s[2], s[3])
    if kind == "must":
        return Q.must(*map(build, s[1]))
    if kind == "should":
        return Q.should(*map(build, s[1]))
    return Q.exclude(build(s[1][0]), build(s[1][1]))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec)
def test_one_shard_and_four_shards_match_the_same_members(pair, s):
    one, four = pair
    query = build(s)
    a, b = one.search(query, 1000), four.search(query, 1000)
    assert a.count == b.count == len(a.member_ids)
    assert set(a.member_ids.tolist()) == set(b.member_ids.tolist())
    assert one.count(query) == four.count(query)


def corpus_plan(serving, field, terms):
    """A plan scoring any of ``terms`` in ``field``, with document frequencies summed over the
    shards."""
    freqs: dict = {}
    num_docs = 0
    for p in serving.partitions:
        n, local = p.term_statistics({field: terms})
        num_docs += n
        for key, f in local.items():
            freqs[key] = freqs.get(key, 0) + f
    root = BoolNode(should=tuple(TermLeaf(field, t) for t in terms))
    return QueryPlan(root, QueryFeatures.empty(), num_docs, freqs)


def test_corpus_statistics_are_the_same_however_the_index_is_sharded(pair):
    one, four = pair
    for field, terms in (("title", ["softwar", "nurs", "engin"]),
                         ("skill_ids", ["tech:python", "tech:sql"])):
        a, b = corpus_plan(one, field, terms), corpus_plan(four, field, terms)
        assert (a.num_docs, a.doc_freqs) == (b.num_docs, b.doc_freqs)


def test_global_idf_makes_shard_scores_equal_to_single_index_scores(pair):
    one, four = pair
    # raw single-term field: length normalization is equal everywhere
    terms = [o for o, _, _ in OCCUPATIONS]
    plan = corpus_plan(four, "title_id", terms)
    single = one.partitions[0].search(Q.should(*[Q.term("title_id", t) for t in terms]), 1000)
    expected = dict(zip(single.member_ids.tolist(), single.scores.tolist()))
    for p in four.partitions:
        local = p.search(plan.compile(p), 1000)
        got = dict(zip(local.member_ids.tolist(), local.scores.tolist()))
        assert got.keys() <= expected.keys()
        assert np.allclose([got[m] for m in got], [expected[m] for m in got], rtol=1e-4)
    # without the correction, shard-local idf gives different scores
    raw = four.partitions[0].search(Q.should(*[Q.term("title_id", t) for t in terms]), 1000)
    assert not np.allclose(raw.scores, [expected[m] for m in raw.member_ids.tolist()], rtol=1e-4)
