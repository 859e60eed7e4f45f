"""`talent serve`: gunicorn with the given options; --write-openapi writes the spec."""

from __future__ import annotations

import json

from click.testing import CliRunner


def test_serve_runs_gunicorn_with_host_port_and_workers(settings, monkeypatch):
    from talent.cli import cli, serve

    seen = {}
    monkeypatch.setattr(serve, "_run_gunicorn", lambda app, options: seen.update(options, app=app))
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "serve", "--host", "0.0.0.0",
                                      "--port", "8123", "--workers", "3"])
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


def test_serve_threads_and_rate_limits(settings, monkeypatch):
    from talent.cli import cli, serve

    seen = {}
    monkeypatch.setattr(serve, "_run_gunicorn", lambda app, options: seen.update(options, app=app))
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "serve", "--workers", "2",
                                      "--threads", "4", "--rate-limit", "search=5000 per minute",
                                      "--rate-limit", "export=2/second"])
    assert result.exit_code == 0, result.output
    assert (seen["workers"], seen["threads"], seen["worker_class"]) == (2, 4, "gthread")
    assert seen["app"].config["RATE_LIMITS"] == {"search": "5000 per minute",
                                                 "profile": "300 per minute", "export": "2/second",
                                                 "login": "10 per minute"}
    assert "ratelimits.sqlite" in result.output  # no Redis: a file every worker shares


def test_one_thread_means_sync_workers(settings, monkeypatch):
    from talent.cli import cli, serve

    seen = {}
    monkeypatch.setattr(serve, "_run_gunicorn", lambda app, options: seen.update(options))
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "serve", "--threads", "1"])
    assert result.exit_code == 0 and seen["worker_class"] == "sync"


def test_a_malformed_rate_limit_is_refused(settings):
    from talent.cli import cli

    for bad in ("search", "lookups=5 per minute", "search=fast"):
        result = CliRunner().invoke(cli,
                                    ["--home", str(settings.home), "serve", "--rate-limit", bad])
        assert result.exit_code == 2 and "KIND=LIMIT" in result.output


def test_workers_drop_inherited_database_connections(settings):
    from talent.cli.serve import _post_fork
    from webapp import create_app

    app = create_app(settings)
    engine = app.extensions["talent.db"].engine
    with engine.connect():
        pass
    assert engine.pool.checkedin() == 1
    _post_fork(app)(None, None)
    assert engine.pool.checkedin() == 0


def test_workers_load_the_search_service_before_taking_requests(web_world, settings):
    from talent.cli.serve import _post_worker_init
    from webapp import create_app

    app = create_app(web_world.settings)
    assert "talent.search" not in app.extensions
    _post_worker_init(app)(None)
    service = app.extensions["talent.search"]
    assert service.ranker and service.serving.version
    service.close()
    empty = create_app(settings)  # no index yet: the worker still starts, searches answer 503
    _post_worker_init(empty)(None)
    assert "talent.search" not in empty.extensions


def test_the_apps_search_service_refreshes_the_index_until_the_worker_exits(web_world):
    import threading

    from talent.cli.serve import _worker_exit
    from webapp import create_app
    from webapp.search import search_service

    def refreshers() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "talent-index-refresh"}

    before = refreshers()
    app = create_app(web_world.settings.model_copy(update={"index_refresh_interval": 0.05}))
    with app.app_context():
        search_service()
    started = refreshers() - before
    assert len(started) == 1
    _worker_exit(app)(None, None)
    assert "talent.search" not in app.extensions
    assert not any(t.is_alive() for t in started)


def test_with_updater_supervises_the_server_and_the_follower(settings, monkeypatch):
    from talent.cli import cli
    from talent.cli.supervisor import Supervisor

    seen = {}

    def run(self):
        seen["children"] = [(c.name, c.argv[3:], c.main) for c in self.children]
        seen["env"] = self.env
        return 0

    monkeypatch.setattr(Supervisor, "run", run)
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "serve", "--port", "8124",
                                      "--workers", "3", "--rate-limit", "search=100/second",
                                      "--with-updater"])
    assert result.exit_code == 0, result.output
    assert seen["children"] == [("server", ["serve", "--host", "127.0.0.1", "--port", "8124",
                                            "--workers", "3", "--threads", "1",
                                            "--rate-limit=search=100/second"], True),
                                ("index updater", ["index", "update", "--follow"], False)]
    assert seen["env"]["TALENT_HOME"] == str(settings.home)


def test_gunicorn_runs_without_a_control_socket(settings, monkeypatch):
    from talent.cli import cli, serve

    seen = {}
    monkeypatch.setattr(serve, "_run_gunicorn", lambda app, options: seen.update(options))
    assert CliRunner().invoke(cli, ["--home", str(settings.home), "serve"]).exit_code == 0
    assert seen["control_socket_disable"] is True
