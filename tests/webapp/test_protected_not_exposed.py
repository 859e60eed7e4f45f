"""Gender is never in the API or the UI: not a field of any schema, not a filter, not a value of
a response; the re-ranking stage reports aggregate figures only."""

from __future__ import annotations

import re
from typing import Any

PROTECTED = re.compile(r"\b(gender|sex|female|male)\b", re.IGNORECASE)


def _names(node: Any) -> set[str]:
    """Every key and every string value of a JSON document."""
    if isinstance(node, dict):
        return {str(k) for k in node} | {n for v in node.values() for n in _names(v)}
    if isinstance(node, list):
        return {n for v in node for n in _names(v)}
    return {node} if isinstance(node, str) else set()


def test_no_schema_of_the_api_names_a_protected_attribute(client):
    spec = client.get("/api/v1/openapi.json").json
    fields = {k for schema in spec["components"]["schemas"].values()
              for k in schema.get("properties", {})}
    assert fields and not [f for f in fields if PROTECTED.search(f.replace("_", " "))]
    enums = {str(v) for schema in spec["components"]["schemas"].values()
             for prop in schema.get("properties", {}).values() for v in prop.get("enum", [])}
    assert not [v for v in enums if PROTECTED.search(v)]


def test_a_search_response_carries_rerank_aggregates_and_no_group(api):
    body = api.post("/search", {"query": "nurse OR engineer", "facets": True}).json
    figures = body["debug"]["rerank"]
    assert figures["after"]["infeasible_index"] == 0 and "min_skew" in figures["before"]
    assert not [n for n in _names(body["debug"]) if PROTECTED.search(n.replace("_", " "))]
    assert not [k for card in body["results"] for k in card if PROTECTED.search(k)]
    assert not [f for f in body["facets"] if PROTECTED.search(f)]


def test_a_gender_filter_is_refused(api):
    assert api.post("/search", {"query": "nurse gender:female"}).json["error"]["code"] == \
        "query_error"
    assert api.post("/search", {"query": {"text": "nurse", "gender": "female"}}).status_code \
        == 422


def test_the_results_page_shows_no_gender(ui):
    html = ui.get("/search?q=nurse+OR+engineer").text
    assert 'class="result card"' in html
    assert not PROTECTED.search(html)
