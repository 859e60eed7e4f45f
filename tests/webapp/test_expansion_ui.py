"""Title expansion in the API and the UI: the expansions used with their similarity, suggestions
one click from being added, an expansion one click from being refused."""

from __future__ import annotations

import html as htmllib
import re

import numpy as np
import pytest
from conftest import Api, make_app

ASKED, NEAR = "15-1252.00", "15-1253.00"
QUERY = 'title:"software developer"'


@pytest.fixture(scope="module")
def service(web_world):
    from federator.service import SearchService
    from index.serving.expansion import ExpansionConfig, TitleExpander
    from index.serving.serving_index import ServingIndex
    from talent.embeddings.artifact import NodeSimilarity
    from talent.embeddings.graph import KIND_CODE

    taxonomy = web_world.service.taxonomy
    occ, skills = sorted(taxonomy.occupations), sorted(taxonomy.skills)[:30]
    rng = np.random.default_rng(1)
    v = rng.standard_normal((len(occ) + len(skills), 32)).astype(np.float32)
    v[occ.index(NEAR)] = v[occ.index(ASKED)] + 0.1 * rng.standard_normal(32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    kinds = np.array([KIND_CODE["occupation"]] * len(occ) + [KIND_CODE["skill"]] * len(skills),
                     dtype=np.int8)
    labels = [taxonomy.occupations[o].title for o in occ] + [taxonomy.skills[s].name
                                                             for s in skills]
    similarity = NodeSimilarity("planted", "v1", kinds, occ + skills, labels, v)
    svc = SearchService.build(taxonomy, ServingIndex.from_settings(web_world.settings),
                              expander=TitleExpander(similarity, taxonomy,
                                                     ExpansionConfig(min_matches=100_000)))
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def app(web_world, service):
    return make_app(web_world, SEARCH_SERVICE=service, WTF_CSRF_ENABLED=False)


@pytest.fixture
def api(app, web_world):
    return Api(app.test_client(), web_world.alice.token)


@pytest.fixture
def ui(app, web_world):
    client = app.test_client()
    assert client.post("/login", data={"email": web_world.alice.email,
                                       "password": web_world.alice.password}).status_code == 302
    return client


def test_the_api_lists_the_expansions_used_with_their_similarity(api):
    body = api.post("/search", {"query": QUERY}).get_json()
    expansion = body["expansion"]
    assert expansion["applied"] and expansion["source"] == "planted@v1"
    near = next(t for t in expansion["titles"] if t["title_id"] == NEAR)
    assert near["source"] == ASKED and 0.9 < near["similarity"] <= 1.0
    kinds = {s["kind"] for s in expansion["suggestions"]}
    assert kinds == {"title", "skill"}


@pytest.mark.parametrize("body", [
    {"query": QUERY, "stages": {"expansion": False}},
    {"query": QUERY + " expand:off"},
    {"query": {"text": QUERY, "expansion": {"mode": "off"}}},
])
def test_the_api_turns_expansion_off_by_switch_text_or_structured_form(api, body):
    expansion = api.post("/search", body).get_json()["expansion"]
    assert not expansion["applied"]


def test_the_api_refuses_one_expansion(api):
    body = api.post("/search", {"query": {"text": QUERY,
                                          "expansion": {"exclude": [NEAR]}}}).get_json()
    assert NEAR not in {t["title_id"] for t in body["expansion"]["titles"]}
    assert body["expansion"]["excluded"] == [NEAR]


def _links(page: str, css: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(rf'class="{css}"[^>]*href="([^"]+)"', page)]


def test_the_page_shows_the_titles_added_each_with_a_link_refusing_it(ui):
    page = ui.get("/search", query_string={"q": QUERY}).text
    assert "Also searching similar titles" in page
    refuse = next(h for h in re.findall(r'href="([^"]+)" aria-label="do not add', page))
    assert f"noexp={NEAR}" in htmllib.unescape(refuse)
    after = ui.get("/search" + htmllib.unescape(refuse)).text
    assert "Not expanded to" in after
    added = re.search(r'class="expanded">(.*?)</p>', after, re.DOTALL)
    assert added is None or "Software Quality" not in added.group(1)


def test_related_titles_and_skills_are_one_click_from_must_or_can_have(ui):
    page = ui.get("/search", query_string={"q": QUERY}).text
    assert "Related titles:" in page and "Related skills:" in page
    must = _links(page, "role role-must")
    assert any(f"f.titles.must={NEAR}" in h for h in must)
    assert any("f.skills.can=" in h for h in _links(page, "role role-can"))
    link = next(h for h in must if f"f.titles.must={NEAR}" in h)
    added = ui.get("/search" + link)
    assert added.status_code == 200 and "Software Quality Assurance" in added.text


def test_the_page_switches_expansion_off_and_back(ui):
    page = ui.get("/search", query_string={"q": QUERY}).text
    switch = htmllib.unescape(re.search(r'class="expansion-switch" href="([^"]+)"', page).group(1))
    assert "exp=off" in switch
    off = ui.get("/search" + switch).text
    assert "Title expansion: off" in off and "Also searching similar titles" not in off
