"""Title expansion in the broker: the rewrite before the fan-out, its switches, its feature.

A planted similarity over the test world's occupations makes the expansions known in advance:
``rare`` (few members) has ``near`` (similarity ~0.98) and ``half`` (~0.7) close to it; every
other occupation is far from everything.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import EVERYTHING, make_service
from sqlalchemy import text

from federator.types import SearchRequest
from index.l1.features import FEATURE_NAMES, features_for_members
from index.serving.expansion import ExpansionConfig, TitleExpander
from index.serving.plan import TermLeaf, build_plan
from talent.embeddings.artifact import NodeSimilarity
from talent.embeddings.graph import KIND_CODE
from talent.query import parse_query

EXPANSION = FEATURE_NAMES.index("title_expansion")
OCCUPATION = FEATURE_NAMES.index("title_same_occupation")


@pytest.fixture(scope="module")
def occupations(search_world):
    """(rare, near, half, common): occupation ids by how many members hold them now."""
    with search_world.db.engine.connect() as conn:
        counts = conn.execute(text("SELECT occupation_id, COUNT(*) FROM members GROUP BY "
                                   "occupation_id ORDER BY COUNT(*), occupation_id")).all()
    usable = [(occ, n) for occ, n in counts if occ in search_world.taxonomy.occupations]
    rare = next(occ for occ, n in usable if n >= 3)
    common = usable[-1][0]
    near, half = [occ for occ, _ in usable[-3:-1]]
    return rare, near, half, common


def planted_similarity(taxonomy, rare, near, half) -> NodeSimilarity:
    rng = np.random.default_rng(0)
    occ = sorted(taxonomy.occupations)
    skills = sorted(taxonomy.skills)[:20]
    keys = occ + skills
    kinds = np.array([KIND_CODE["occupation"]] * len(occ) + [KIND_CODE["skill"]] * len(skills),
                     dtype=np.int8)
    v = rng.standard_normal((len(keys), 64)).astype(np.float32)
    base = v[occ.index(rare)]
    v[occ.index(near)] = base + 0.2 * rng.standard_normal(64)
    v[occ.index(half)] = base + 1.0 * rng.standard_normal(64)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    labels = [taxonomy.occupations[o].title for o in occ] + [taxonomy.skills[s].name
                                                             for s in skills]
    return NodeSimilarity("planted", "v1", kinds, keys, labels, v)


@pytest.fixture(scope="module")
def similarity(search_world, occupations):
    rare, near, half, _ = occupations
    return planted_similarity(search_world.taxonomy, rare, near, half)


@pytest.fixture(scope="module")
def service(search_world, similarity):
    svc = make_service(search_world, search_world.index_four, **EVERYTHING)
    svc.broker.expander = TitleExpander(similarity, search_world.taxonomy,
                                        ExpansionConfig(min_matches=10_000, threshold=0.6))
    yield svc
    svc.close()


def search(service, query, **stages):
    request = SearchRequest(1, 1, query, page_size=100, facets=False, stages=stages)
    return service.rank(request).candidates


def occupation_of(search_world, member_ids):
    with search_world.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, occupation_id FROM members")).all()
    found = dict(rows)
    return [found[int(m)] for m in member_ids]


def sim(similarity, a, b):
    return similarity.similarity(similarity.node("occupation", a), similarity.node("occupation", b))


def test_a_title_query_with_few_matches_also_matches_the_similar_titles(service, occupations,
                                                                         search_world, similarity):
    rare, near, half, _ = occupations
    plain = search(service, f"title:{rare}", expansion=False)
    expanded = search(service, f"title:{rare}")
    report = expanded.expansion
    assert report.applied and report.mode == "auto"
    added = {t.title_id: t.similarity for t in report.titles}
    assert set(added) == {near, half} if sim(similarity, rare, half) >= 0.6 else {near}
    assert added[near] == pytest.approx(sim(similarity, rare, near), abs=1e-4)
    held = set(occupation_of(search_world, expanded.member_ids))
    assert near in held and expanded.total > plain.total
    assert set(plain.member_ids) <= set(expanded.member_ids)


def test_expanded_members_carry_the_similarity_and_asked_ones_do_not(service, occupations,
                                                                     search_world, similarity):
    rare, near, _, _ = occupations
    cands = search(service, f"title:{rare}")
    occ = occupation_of(search_world, cands.member_ids)
    for row, o in zip(cands.features, occ):
        if o == near:
            assert row[EXPANSION] == pytest.approx(sim(similarity, rare, near), abs=1e-4)
        if o == rare:
            assert row[EXPANSION] == 0.0 and row[OCCUPATION] == 1.0


def test_the_expansion_switch_off_adds_nothing_but_still_suggests(service, occupations):
    rare, near, _, _ = occupations
    off = search(service, f"title:{rare}", expansion=False)
    assert not off.expansion.applied and off.expansion.mode == "off"
    assert not (off.features[:, EXPANSION] > 0).any()
    assert near in {s.id for s in off.expansion.suggestions if s.kind == "title"}


@pytest.mark.parametrize("query", [
    "title:{rare} expand:off",
    {"titles": {"must_have": ["{rare}"]}, "expansion": {"mode": "off"}},
])
def test_the_query_turns_expansion_off_in_text_and_in_the_structured_form(service, occupations,
                                                                           query):
    rare = occupations[0]
    q = (query.format(rare=rare) if isinstance(query, str)
         else {**query, "titles": {"must_have": [rare]}})
    cands = search(service, q)
    assert not cands.expansion.applied
    assert cands.total == search(service, f"title:{rare}", expansion=False).total


def test_noexpand_refuses_one_expanded_title(service, occupations, search_world):
    rare, near, _, _ = occupations
    cands = search(service, f'title:{rare} noexpand:{near}')
    assert near not in {t.title_id for t in cands.expansion.titles}
    assert near in cands.expansion.excluded
    assert near not in occupation_of(search_world, cands.member_ids)


def test_a_query_with_enough_matches_is_expanded_only_when_it_says_always(search_world,
                                                                          similarity, occupations):
    rare, near, _, _ = occupations
    svc = make_service(search_world, search_world.index_four, **EVERYTHING)
    svc.broker.expander = TitleExpander(similarity, search_world.taxonomy,
                                        ExpansionConfig(min_matches=1, threshold=0.6))
    try:
        auto = search(svc, f"title:{rare}")
        assert not auto.expansion.applied and auto.expansion.matches_before == auto.total
        always = search(svc, f"title:{rare} expand:always")
        assert always.expansion.applied and always.total > auto.total
    finally:
        svc.close()


def test_the_count_decides_when_the_frequencies_do_not_bound_the_matches(search_world,
                                                                         similarity, occupations):
    rare = occupations[0]
    query = f"title:{rare} skill:python OR title:{rare}"
    probe = make_service(search_world, search_world.index_four, **EVERYTHING)
    try:
        parsed = parse_query(query, probe.taxonomy)
        snapshot = probe.serving.snapshot()
        bound = sum(build_plan(parsed, snapshot, probe.taxonomy).match_bound(p)
                    for p in snapshot.partitions)
        plain = search(probe, query).total
        assert plain < bound
        probe.broker.expander = TitleExpander(similarity, search_world.taxonomy,
                                              ExpansionConfig(min_matches=plain + 1))
        cands = search(probe, query)
        assert cands.expansion.applied and cands.expansion.matches_before == plain
        assert "expansion_refetch" in cands.timings
    finally:
        probe.close()


def test_negated_titles_are_never_expanded(similarity, search_world, occupations):
    rare, near, _, common = occupations
    expander = TitleExpander(similarity, search_world.taxonomy)
    for query in (f"title:{common} NOT title:{rare}",
                  {"titles": {"must_have": [common], "doesnt_have": [rare]}}):
        parsed = parse_query(query, search_world.taxonomy)
        assert near not in {t.title_id for t in expander.plan(parsed).titles}


def test_an_expanded_title_is_or_ed_into_its_clause_down_weighted(similarity, search_world,
                                                                  occupations, four):
    rare, near, _, _ = occupations
    expander = TitleExpander(similarity, search_world.taxonomy, ExpansionConfig(weight=0.5))
    parsed = parse_query(f"title:{rare}", search_world.taxonomy)
    plan = build_plan(parsed, four.serving.snapshot(), search_world.taxonomy,
                      expander.plan(parsed))
    leaves = {}

    def walk(c):
        if isinstance(c, TermLeaf) and c.field == "title_id":
            leaves[c.value] = c.weight
        for group in ("must", "should", "must_not", "filters"):
            for x in getattr(c, group, ()):
                walk(x)

    walk(plan.with_expansion().root)
    assert leaves[near] == pytest.approx(leaves[rare] * 0.5 * sim(similarity, rare, near),
                                         rel=1e-3)
    leaves.clear()
    walk(plan.root)
    assert near not in leaves


def test_broker_features_equal_the_training_features_with_expansion(service, occupations):
    rare, _, _, common = occupations
    parsed = parse_query(f'(title:{rare} OR title:{common}) "the"', service.taxonomy)
    result = service.broker.search(parsed)
    snapshot = service.serving.snapshot()
    again = features_for_members(snapshot, service.broker.plan(parsed, snapshot),
                                 result.member_ids)
    np.testing.assert_array_equal(result.features, again)
    assert (result.features[:, EXPANSION] > 0).any()


def test_suggestions_hold_related_titles_and_skills_but_not_the_asked_ones(service, occupations):
    rare, near, _, _ = occupations
    report = search(service, f"title:{rare}").expansion
    titles = [s for s in report.suggestions if s.kind == "title"]
    skills = [s for s in report.suggestions if s.kind == "skill"]
    assert titles and skills and rare not in {s.id for s in titles}
    assert titles[0].id == near and titles[0].expanded
    assert [s.similarity for s in titles] == sorted((s.similarity for s in titles), reverse=True)


def test_the_response_lists_the_expansions_used_with_their_similarity(service, occupations):
    rare, near, _, _ = occupations
    response = service.search(SearchRequest(1, 1, f"title:{rare}", page_size=5))
    data = response.to_dict()["expansion"]
    assert data["applied"] and data["source"] == "planted@v1"
    assert {t["title_id"] for t in data["titles"]} >= {near}
    assert all(0.6 <= t["similarity"] <= 1.0 for t in data["titles"])


def test_without_embeddings_there_is_no_expansion_report(four):
    assert search(four, "title:nurse").expansion is None


def test_the_expansion_switch_is_known_to_the_pipeline(four):
    assert "expansion" in four.pipeline.switches
    cands = search(four, "python", expansion=True)  # no embeddings: a no-op, not an error
    assert cands.expansion is None


def test_a_config_without_titles_to_add_reports_why(search_world, similarity, occupations):
    rare = occupations[0]
    svc = make_service(search_world, search_world.index_four, **EVERYTHING)
    svc.broker.expander = TitleExpander(similarity, search_world.taxonomy,
                                        replace(ExpansionConfig(), threshold=1.0))
    try:
        report = search(svc, f"title:{rare}").expansion
        assert not report.applied and "threshold" in report.reason
    finally:
        svc.close()
