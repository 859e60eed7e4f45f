from __future__ import annotations

import json
import os

import pytest
from index_world import new_world

from talent.cli import main
from talent.storage.models import Member


@pytest.fixture
def home(tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("TALENT_")]:
        monkeypatch.delenv(key)
    home = tmp_path / "home"
    home.mkdir()
    world = new_world(home, 120)
    yield home, world
    world.db.dispose()


def _status(home, capsys) -> dict:
    capsys.readouterr()
    assert main(["--home", str(home), "index", "status", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_build_then_status_shows_the_serving_version(home, capsys):
    path, _ = home
    assert main(["--home", str(path), "index", "build", "--shards", "2", "--quiet"]) == 0
    assert "120 members in 2 shards" in capsys.readouterr().out
    status = _status(path, capsys)
    (version,) = status["versions"]
    assert status["current"] == version["name"] and version["state"] == "ready"
    assert version["manifest"]["shard_count"] == 2 and status["pending_changes"] == 0


def test_update_applies_pending_changes_and_reports_them(home, capsys):
    path, world = home
    assert main(["--home", str(path), "index", "build", "--quiet"]) == 0
    with world.db.session() as s:
        s.get(Member, world.member_ids[0]).headline = "Changed"
    assert _status(path, capsys)["pending_changes"] == 1
    assert main(["--home", str(path), "index", "update"]) == 0
    assert "1 members upserted" in capsys.readouterr().out
    assert _status(path, capsys)["pending_changes"] == 0


def test_rollback_and_gc_from_the_command_line(home, capsys):
    path, _ = home
    assert main(["--home", str(path), "index", "rollback"]) == 1  # nothing built: a one-line error
    assert "no other complete index version" in capsys.readouterr().err
    for _ in range(3):
        assert main(["--home", str(path), "index", "build", "--quiet"]) == 0
    names = [v["name"] for v in _status(path, capsys)["versions"]]
    assert main(["--home", str(path), "index", "rollback"]) == 0
    assert _status(path, capsys)["current"] == names[1]
    assert main(["--home", str(path), "index", "gc", "--keep", "1"]) == 0
    assert [v["name"] for v in _status(path, capsys)["versions"]] == names[1:]


def test_status_without_an_index_says_what_to_run(home, capsys):
    path, _ = home
    assert main(["--home", str(path), "index", "status"]) == 0
    assert "talent index build" in capsys.readouterr().out


@pytest.mark.ray
def test_on_the_ray_backend_build_runs_ray_tasks_and_update_goes_to_the_actors(
        home, capsys, monkeypatch, ray_local):
    import ray

    from index.cluster.actors import actor_name

    path, world = home
    monkeypatch.setenv("TALENT_BACKEND", "ray")
    assert main(["--home", str(path), "index", "build", "--shards", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "120 members in 2 shards" in out and "2 ray tasks" in out
    with world.db.session() as s:
        s.get(Member, world.member_ids[0]).headline = "Changed"
    assert main(["--home", str(path), "index", "update"]) == 0
    assert "1 members upserted" in capsys.readouterr().out
    version = _status(path, capsys)["current"]
    actors = [ray.get_actor(actor_name(path / "index", version, i)) for i in range(2)]
    assert [ray.get(a.ready.remote()).shard for a in actors] == [0, 1]
    for actor in actors:
        ray.kill(actor, no_restart=True)
