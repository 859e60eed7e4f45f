"""The OpenAPI 3.1 document, built from an app's API routes and the pydantic models.

:mod:`webapp.api.openapi` writes it to the committed ``webapp/openapi.json``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from webapp.api.models import ErrorResponse
from webapp.api.routing import API_PREFIX, ApiRoute, api_routes

REF = "#/components/schemas/{model}"

_ERRORS = {
    400: "The query could not be parsed (with the position of the problem).",
    401: "Missing or invalid API token (with a WWW-Authenticate: Bearer header).",
    404: "No such entity in your contract (other contracts' ids answer the same).",
    409: "The change conflicts with the current state (a verdict given already, a busy session).",
    410: "The review session expired or was lost: start a new one.",
    415: "The body is not JSON (send Content-Type: application/json).",
    422: "The body or query string failed validation, or the domain refused a value.",
    429: "Rate limit exceeded; retry after the Retry-After header's seconds.",
    503: "The database, the search index or the ranking model is not available right now; retry "
         "after the Retry-After header's seconds.",
}

#: OpenAPI links: how one answer's ids feed the next call (schemathesis walks them statefully).
_LINKS: dict[str, dict[str, dict[str, Any]]] = {
    "create_project": {
        "GetProject": {"operationId": "project",
                       "parameters": {"project_id": "$response.body#/id"}},
        "ListCandidates": {"operationId": "candidates",
                           "parameters": {"project_id": "$response.body#/id"}},
        "SaveCandidate": {"operationId": "save_candidate",
                          "parameters": {"project_id": "$response.body#/id"}},
        "ExportProject": {"operationId": "export_project",
                          "parameters": {"project_id": "$response.body#/id"}},
    },
    "save_candidate": {
        "UpdateCandidate": {"operationId": "update_candidate",
                            "parameters": {"project_id": "$response.body#/project_id",
                                           "candidate_id": "$response.body#/id"}},
        "RemoveCandidate": {"operationId": "remove_candidate",
                            "parameters": {"project_id": "$response.body#/project_id",
                                           "candidate_id": "$response.body#/id"}},
        "ViewMember": {"operationId": "member",
                       "parameters": {"member_id": "$response.body#/member_id"}},
    },
    "send_inmail": {
        "GetInMail": {"operationId": "inmail", "parameters": {"inmail_id": "$response.body#/id"}},
    },
    "search": {
        "ViewFirstResult": {"operationId": "member",
                            "parameters": {"member_id": "$response.body#/results/0/member_id",
                                           "search_id": "$response.body#/search_id"}},
    },
}


#: Routes whose body or query names a project of the caller's contract (a foreign one is a 404).
_PROJECT_FIELDS = ("project_id",)


def _ref(model: type[BaseModel], mode: str,
         defs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    return defs[(model, mode)]


def _names_a_project(route: ApiRoute) -> bool:
    models = [m for m in (route.body, route.query) if m is not None]
    return any(name in m.model_fields for m in models for name in _PROJECT_FIELDS)


def _error_codes(route: ApiRoute) -> list[int]:
    if route.public:
        return []
    if route.admin:
        return [401, 404, 503]
    codes = [401, 503]  # any call reads the token from the database
    if route.path_params or _names_a_project(route):
        codes.append(404)
    if route.body is not None:
        codes.append(415)
    if route.body is not None or route.query is not None or route.method != "GET":
        codes.append(422)
    if route.limit:
        codes.append(429)
    if route.limit == "search":
        codes.append(400)
    if route.endpoint in ("save_candidate", "send_inmail", "feedback"):
        codes.append(404)
    codes.extend(route.errors)
    return sorted(set(codes))


def build_spec(routes: list[ApiRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``routes`` (served under :data:`API_PREFIX`)."""
    routes = sorted(routes, key=lambda r: (r.path, r.method))
    wanted: set[tuple[type[BaseModel], str]] = {(ErrorResponse, "serialization")}
    for r in routes:
        if r.body is not None:
            wanted.add((r.body, "validation"))
        if r.response is not None:
            wanted.add((r.response, "serialization"))
    ordered = sorted(wanted, key=lambda item: (item[0].__name__, item[1]))
    refs, schema = models_json_schema(ordered, ref_template=REF)  # type: ignore[arg-type]
    components = schema.get("$defs", {})
    renames = {old: _readable(old) for old in components if old != _readable(old)}
    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        op: dict[str, Any] = {"operationId": r.endpoint, "summary": r.summary, "tags": list(r.tags)}
        if r.description:
            op["description"] = r.description
        params: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2**53}}
            for name in r.path_params
        ]
        if r.query is not None:
            qschema = r.query.model_json_schema(ref_template=REF)
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                params.append({"name": name, "in": "query", "required": name in required,
                               "schema": prop})
        if params:
            op["parameters"] = params
        if r.body is not None:
            body_schema = refs[(r.body, "validation")]
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": body_schema}}}
        responses: dict[str, Any] = {}
        if r.status == 204:
            responses["204"] = {"description": "Done."}
        elif r.response is not None:
            schema = refs[(r.response, "serialization")]
            responses[str(r.status)] = {"description": "Success.",
                                        "content": {r.media_type: {"schema": schema}}}
            if r.endpoint in _LINKS:
                responses[str(r.status)]["links"] = _LINKS[r.endpoint]
        else:
            media_schema: dict[str, Any] = ({"type": "string"} if r.media_type == "text/csv"
                                            else {"type": "object"})
            responses[str(r.status)] = {"description": "Success.",
                                        "content": {r.media_type: {"schema": media_schema}}}
        for code in _error_codes(r):
            responses[str(code)] = {"description": _ERRORS[code],
                                    "content": {"application/json": {
                                        "schema": refs[(ErrorResponse, "serialization")]}}}
        op["responses"] = responses
        op["security"] = ([] if r.public else [{"adminToken": []}] if r.admin
                          else [{"bearerAuth": []}])
        paths.setdefault(API_PREFIX + r.openapi_path, {})[r.method.lower()] = op
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "talent recruiter API",
            "version": "1.0.0",
            "description": "Search candidates, view profiles, keep projects and InMails, "
                           "record feedback. Authenticate with 'Authorization: Bearer <token>'. "
                           "Every call acts as the token's recruiter and sees only its contract's "
                           "projects, notes and InMails.",
        },
        "servers": [{"url": "/", "description": "The server this document is served from (paths "
                                                "start with /api/v1)."}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "adminToken": {"type": "http", "scheme": "bearer",
                               "description": "The operator token (TALENT_ADMIN_TOKEN)."},
            },
        },
    }
    if renames:
        text = json.dumps(spec)
        for old, new in renames.items():
            text = text.replace(f'"{REF.format(model=old)}"', f'"{REF.format(model=new)}"')
        spec = json.loads(text)
        schemas = spec["components"]["schemas"]
        spec["components"]["schemas"] = {renames.get(k, k): v for k, v in schemas.items()}
        for new in renames.values():  # the title names generated clients' classes
            spec["components"]["schemas"][new]["title"] = new
    return spec


def _readable(name: str) -> str:
    """Short names for pydantic's generic facet models (``Facet[SeniorityLevel]`` ->
    ``FacetSeniority``)."""
    if not name.startswith("Facet_"):
        return name
    if "Union" in name:
        return "FacetIndustry"
    if "Le_le_8" in name:
        return "FacetSeniority"
    return "FacetText"


def spec_json(app: Flask) -> str:
    """``app``'s spec as canonical JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(build_spec(api_routes(app)), indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"
