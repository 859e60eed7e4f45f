"""The API keeps the contract its spec states: strict JSON bodies, timestamps with a time zone,
the 404s that can happen documented, a servers entry, readable schema titles and a
WWW-Authenticate challenge on 401."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import REPO, member_ids

SPEC = json.loads((REPO / "webapp" / "openapi.json").read_text())


@pytest.mark.parametrize("body", [
    {"query": "nurse", "page": "2"},
    {"query": "nurse", "facets": "yes"},
    {"query": "nurse", "page_size": 10.0},
    {"query": {"text": "nurse", "open_to_work": 1}},
])
def test_search_bodies_are_validated_strictly(api, body):
    r = api.post("/search", body)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_request", r.text


def test_a_project_body_is_validated_strictly(api):
    r = api.post("/projects", {"name": "Strict", "remote": 0})
    assert r.status_code == 422 and r.json["error"]["details"][0]["loc"] == ["remote"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_sent_as_json_is_a_415(api, content_type):
    r = api.client.post("/api/v1/search", data=b'{"query": "nurse"}', content_type=content_type,
                        headers=api.headers)
    assert r.status_code == 415 and "application/json" in r.json["error"]["message"]


def test_timestamps_carry_their_time_zone(api, web_world):
    project = api.post("/projects", {"name": "Zoned"}).json
    member = member_ids(web_world, 1)[0]
    saved = api.post(f"/projects/{project['id']}/candidates", {"member_id": member}).json
    mail = api.post("/inmails", {"member_id": member, "subject": "Hello"}).json
    for stamp in (project["created_at"], saved["created_at"], saved["updated_at"],
                  mail["sent_at"]):
        parsed = dt.datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == dt.timedelta(0), stamp


def test_a_401_says_how_to_authenticate(client):
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="talent"'
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer tlnt_nope"})
    assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="talent", error="invalid_token"'


def test_another_contracts_project_is_a_documented_404_on_search_and_inmails(api, api_b):
    foreign = api_b.post("/projects", {"name": "B's"}).json["id"]
    search = api.post("/search", {"query": "nurse", "project_id": foreign})
    inmails = api.get(f"/inmails?project_id={foreign}")
    assert (search.status_code, inmails.status_code) == (404, 404)
    paths = SPEC["paths"]
    assert "404" in paths["/api/v1/search"]["post"]["responses"]
    assert "404" in paths["/api/v1/inmails"]["get"]["responses"]


def test_the_spec_names_its_server_and_gives_facet_schemas_readable_titles():
    assert SPEC["servers"] == [{"url": "/", "description": SPEC["servers"][0]["description"]}]
    schemas = SPEC["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("title", name) == name, name
        assert "[" not in name and "__" not in name


def test_every_operation_documents_the_503_of_an_outage():
    for path, operations in SPEC["paths"].items():
        for method, op in operations.items():
            if op["security"]:
                assert "503" in op["responses"], (method, path)
