"""Property-based API tests: schemathesis generates requests from the committed spec and runs them
against the in-process WSGI app, checking every response against the spec: no server error, a
documented status code, the documented content type, headers and body schema.
``benchmarks/fuzz_api.py`` runs the same checks with many more examples."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from conftest import REPO, make_app
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
_sent: list[int] = []


@pytest.fixture(scope="module")
def wsgi_app(web_world):
    return make_app(web_world)


@pytest.fixture(scope="module", autouse=True)
def request_report():
    yield
    server_errors = sum(1 for code in _sent if code >= 500)
    by_status = dict(sorted(Counter(_sent).items()))
    print(f"\nschemathesis: {len(_sent)} generated requests, {server_errors} server errors; "
          f"by status {by_status}")


# The committed spec (test_openapi checks it equals what the app serves).
schema = schemathesis.openapi.from_path(REPO / "webapp" / "openapi.json")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_response_keeps_the_spec(case, web_world, wsgi_app):
    headers = {"Authorization": f"Bearer {web_world.alice.token}"}
    response = case.call(headers=headers, app=wsgi_app, base_url="http://localhost")
    _sent.append(response.status_code)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code < 500

