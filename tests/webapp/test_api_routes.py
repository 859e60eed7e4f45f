"""Every API route from the route table: malformed bodies and query strings are 422, another
contract's ids are 404 (and change nothing), and the years-of-experience facet values can be sent
back as the query's range."""

from __future__ import annotations

import pytest
from conftest import member_ids

from webapp.api.openapi import api_only_app
from webapp.api.routing import api_routes

ROUTES = api_routes(api_only_app())

BODY_ROUTES = [r for r in ROUTES if r.body is not None]
QUERY_ROUTES = [r for r in ROUTES if r.query is not None]
# members are not contract-owned
ID_ROUTES = [r for r in ROUTES if set(r.path_params) - {"member_id"}]

VALID_BODIES = {
    "search": {"query": "nurse"},
    "create_project": {"name": "x"},
    "save_candidate": {"member_id": 1},
    "update_candidate": {"stage": "screening"},
    "send_inmail": {"member_id": 1, "subject": "hi"},
    "feedback": {"member_id": 1, "kind": "good_fit"},
    "review_start": {"query": "nurse"},
    "review_verdict": {"member_id": 1, "verdict": "skip"},
}
BAD_QUERIES = {
    "member": "search_id=abc",
    "inmails": "status=lost",
    "job_matches": "page=0",
}


def _path(route, **ids: int | str) -> str:
    path = route.openapi_path
    for name in route.path_params:
        path = path.replace("{" + name + "}", str(ids.get(name, 1)))
    return path


def _call(api, route, path: str, body=None, raw: bytes | None = None):
    kwargs = {"headers": api.headers}
    if raw is not None:
        kwargs.update(data=raw, content_type="application/json")
    elif body is not None:
        kwargs["json"] = body
    return api.client.open("/api/v1" + path, method=route.method, **kwargs)


def test_the_tables_cover_every_route():
    assert {r.endpoint for r in BODY_ROUTES} == set(VALID_BODIES)
    assert {r.endpoint for r in QUERY_ROUTES} == set(BAD_QUERIES)


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"{", b'{"unexpected": true}', b"null"])
@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.endpoint)
def test_malformed_bodies_are_422_on_every_route(api, route, raw):
    r = _call(api, route, _path(route), raw=raw)
    assert r.status_code == 422, (route.endpoint, raw, r.text)
    assert r.json["error"]["code"] == "invalid_request" and r.json["error"]["status"] == 422


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.endpoint)
def test_an_empty_body_is_422_on_every_route(api, route):
    r = api.client.open("/api/v1" + _path(route), method=route.method, headers=api.headers)
    assert r.status_code == 422 and "JSON body" in r.json["error"]["message"]


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=lambda r: r.endpoint)
def test_bad_query_strings_are_422(api, route, web_world):
    job = api.get("/jobs").json["jobs"][0]["id"]
    path = _path(route, member_id=member_ids(web_world, 1)[0], job_id=job)
    r = api.client.open(f"/api/v1{path}?{BAD_QUERIES[route.endpoint]}", method=route.method,
                        headers=api.headers)
    assert r.status_code == 422 and r.json["error"]["details"], r.text


@pytest.fixture
def b_entities(api_b, web_world):
    """Contract B's project, saved candidate, InMail, job and review session."""
    member = member_ids(web_world, 1)[0]
    project = api_b.post("/projects", {"name": "B private", "title": "Registered Nurse"}).json["id"]
    candidate = api_b.post(f"/projects/{project}/candidates",
                           {"member_id": member, "notes": "B notes"}).json["id"]
    inmail = api_b.post("/inmails", {"member_id": member, "subject": "B's InMail",
                                     "project_id": project}).json["id"]
    job = next(j["id"] for j in api_b.get("/jobs").json["jobs"] if j["required_skills"])
    session = api_b.post("/review/sessions", {"query": "title:nurse"}).json["session"]
    return {"project_id": project, "candidate_id": candidate, "inmail_id": inmail, "job_id": job,
            "member": member, "session_id": session["session_id"]}


@pytest.mark.parametrize("route", ID_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_another_contracts_ids_are_404_on_every_route(api, api_b, route, b_entities):
    body = dict(VALID_BODIES.get(route.endpoint, {})) or None
    if body and "member_id" in body:
        body["member_id"] = b_entities["member"]
    r = _call(api, route, _path(route, **b_entities), body=body)
    assert r.status_code == 404, (route.endpoint, r.text)
    assert r.json["error"]["code"] == "not_found"
    # and nothing of B's changed
    pid = b_entities["project_id"]
    rows = api_b.get(f"/projects/{pid}/candidates").json["candidates"]
    assert [(c["id"], c["stage"], c["notes"]) for c in rows] == [(b_entities["candidate_id"],
                                                                  "sourced", "B notes")]


def test_a_saved_candidate_of_another_project_is_404(api, web_world):
    first = api.post("/projects", {"name": "first"}).json["id"]
    second = api.post("/projects", {"name": "second"}).json["id"]
    cid = api.post(f"/projects/{first}/candidates",
                   {"member_id": member_ids(web_world, 1)[0]}).json["id"]
    assert api.patch(f"/projects/{second}/candidates/{cid}", {"stage": "hired"}).status_code == 404
    assert api.delete(f"/projects/{second}/candidates/{cid}").status_code == 404


def test_inmails_filtered_by_another_contracts_project_are_404(api, b_entities):
    assert api.get(f"/inmails?project_id={b_entities['project_id']}").status_code == 404


def test_other_contracts_data_never_appears_in_lists(api, b_entities):
    assert b_entities["project_id"] not in [p["id"] for p in api.get("/projects").json["projects"]]
    assert b_entities["inmail_id"] not in [m["id"] for m in api.get("/inmails").json["inmails"]]
    assert b_entities["job_id"] not in [j["id"] for j in api.get("/jobs").json["jobs"]]


def test_years_of_experience_facet_values_are_the_query_range_to_send_back(api):
    wide = api.post("/search", {"query": "nurse OR software"}).json
    buckets = wide["facets"]["years_experience"]
    assert [b["label"] for b in buckets] == ["0-2 years", "3-5 years", "6-10 years", "11-15 years",
                                             "16+ years"]
    assert sum(b["count"] for b in buckets) == wide["total"]
    for bucket in buckets:
        narrow = api.post("/search", {"query": {"text": "nurse OR software",
                                                "years_experience": bucket["value"]},
                                      "facets": False}).json
        assert narrow["total"] == bucket["count"], bucket["label"]
