"""The OpenAPI spec: served, 3.1, and identical to the committed webapp/openapi.json."""

from __future__ import annotations

import json
import re

from conftest import REPO


def test_the_spec_is_served_without_a_token(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.json["openapi"].startswith("3.1")


def test_the_committed_spec_matches_the_app(client):
    committed = json.loads((REPO / "webapp" / "openapi.json").read_text())
    served = client.get("/api/v1/openapi.json").json
    assert served == committed, "webapp/openapi.json is stale: run `talent serve --write-openapi`"


def test_every_api_route_is_in_the_spec(app, client):
    spec = client.get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented


def test_protected_operations_declare_bearer_auth_and_error_responses(client):
    spec = client.get("/api/v1/openapi.json").json
    search = spec["paths"]["/api/v1/search"]["post"]
    assert search["security"] == [{"bearerAuth": []}]
    assert {"200", "400", "401", "422", "429"} <= set(search["responses"])


def test_the_spec_says_what_session_feedback_does(client):
    """Good fits and misses given with a session id re-order that session's searches (stage
    ``bandit``); the spec says so where the session id is sent, and promises nothing more."""
    spec = client.get("/api/v1/openapi.json").json
    search = spec["components"]["schemas"]["SearchBody"]["properties"]["session_id"]
    assert "re-order the results (stage 'bandit')" in search["description"]
    assert "personaliz" not in json.dumps(spec).lower()
