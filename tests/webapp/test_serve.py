"""`talent serve`: gunicorn with the given options; --write-openapi writes the spec."""

from __future__ import annotations

import json

from click.testing import CliRunner


def test_serve_runs_gunicorn_with_host_port_and_workers(settings, monkeypatch):
    from talent.cli import cli, serve

    seen = {}
    monkeypatch.setattr(serve, "_run_gunicorn", lambda app, options: seen.update(options, app=app))
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "serve", "--host", "0.0.0.0", "--port", "8123",
                                      "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert (seen["bind"], seen["workers"]) == ("0.0.0.0:8123", 3)
    assert seen["app"].config["SESSION_COOKIE_SECURE"] is True


def test_write_openapi_writes_the_spec(monkeypatch, tmp_path, settings):
    from talent.cli import cli
    from webapp.api import openapi

    target = tmp_path / "openapi.json"
    monkeypatch.setattr(openapi, "COMMITTED_SPEC", target)
    monkeypatch.setattr(openapi.write_spec, "__defaults__", (target,))
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "serve", "--write-openapi"])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["openapi"] == "3.1.0"
