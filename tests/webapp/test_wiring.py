"""How the app is put together: blueprints in their views modules, rate limits read from the views
the app serves, no import cycle inside webapp/, one export shared by the UI and the API."""

from __future__ import annotations

import subprocess
import sys

import networkx as nx
import pytest
from conftest import member_ids
from import_graph import REPO, import_graph, source_files

EXPECTED_LIMITS = {
    "ui.login": ("login", ("POST",)),
    "ui.change_password": ("login", None),
    "ui.search": ("search", None),
    "ui.matches": ("search", None),
    "ui.profile": ("profile", None),
    "ui.export_project": ("export", None),
    "api.search": ("search", None),
    "api.job_matches": ("search", None),
    "api.member": ("profile", None),
    "api.export_project": ("export", None),
    "ui.review_start": ("search", None),
    "ui.review": ("profile", None),
    "ui.review_verdict": ("profile", None),
    "api.review_start": ("search", None),
    "api.review_next": ("profile", None),
    "api.review_verdict": ("profile", None),
}


def test_the_app_rate_limits_search_profile_export_and_sign_in_views(app):
    from webapp.extensions import rate_limit_of

    limits = {endpoint: rate_limit_of(view) for endpoint, view in app.view_functions.items()}
    declared = {endpoint: (limit.kind, limit.methods)
                for endpoint, limit in limits.items() if limit is not None}
    assert declared == EXPECTED_LIMITS


def test_a_view_is_limited_by_the_kind_it_declares_in_the_app_that_serves_it():
    from flask import Flask

    from webapp import extensions

    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", RATE_LIMITS={"export": "2 per minute"},
                      RATELIMIT_STORAGE_URI="memory://")

    @app.route("/limited")
    @extensions.rate_limited("export")
    def limited() -> str:
        return "ok"

    @app.route("/free")
    def free() -> str:
        return "ok"

    extensions.init_app(app)
    client = app.test_client()
    assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/free").status_code for _ in range(3)] == [200, 200, 200]


def test_an_unknown_rate_limit_kind_is_refused_where_it_is_declared():
    from webapp.extensions import rate_limited

    with pytest.raises(ValueError, match="unknown rate-limit kind 'serach'"):
        rate_limited("serach")


def webapp_import_graph() -> nx.DiGraph:
    graph = import_graph(source_files(["webapp"]))
    return nx.DiGraph([(a, b) for a, edges in graph.items() for b in edges])


def test_no_import_cycle_inside_the_webapp():
    cycles = sorted(sorted(c) for c in nx.simple_cycles(webapp_import_graph()))
    assert cycles == []


def test_importing_the_blueprint_packages_registers_no_views():
    code = ("import sys, webapp, webapp.api, webapp.ui; print(sorted(m for m in sys.modules "
            "if m.startswith('webapp.') and m.endswith('views')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO).stdout
    assert out.strip() == "[]"


def test_each_blueprint_is_defined_in_its_views_module(app):
    from webapp.api.views import bp as api
    from webapp.ui.views import bp as ui

    assert (api.name, api.import_name, api.url_prefix) == ("api", "webapp.api.views", "/api/v1")
    assert (ui.name, ui.import_name) == ("ui", "webapp.ui.views")
    assert app.blueprints == {"ui": ui, "api": api}


def test_the_ui_and_the_api_export_the_same_csv(ui, api, web_world):
    project = api.post("/projects", {"name": "Export twins"}).json
    for member_id in member_ids(web_world, 2):
        api.post(f"/projects/{project['id']}/candidates",
                 {"member_id": member_id, "notes": "a, \"quoted\" note"})
    from_ui = ui.get(f"/projects/{project['id']}/export.csv")
    from_api = api.get(f"/projects/{project['id']}/export")
    assert from_ui.status_code == from_api.status_code == 200
    assert from_ui.data == from_api.data and from_ui.data.count(b"\n") == 3
    assert from_ui.headers["Content-Disposition"] == from_api.headers["Content-Disposition"]
