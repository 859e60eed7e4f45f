"""The JSON API under ``/api/v1``: bearer-token auth, pydantic-validated bodies, JSON errors.

The blueprint and its endpoints live in :mod:`webapp.api.views`, the route table in
:mod:`webapp.api.routing`, the token check in :mod:`webapp.api.auth`, the spec in
:mod:`webapp.api.openapi`.
"""
