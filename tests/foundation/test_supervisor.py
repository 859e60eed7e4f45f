"""The supervisor behind `talent serve --with-updater`: main child decides, side children
restart."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from talent.cli import supervisor
from talent.cli.supervisor import Child, Supervisor, settings_env
from talent.settings import Settings


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _alive(pid: int) -> bool:
    try:
        # zombie: exited
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(autouse=True)
def quick_restarts(monkeypatch):
    monkeypatch.setattr(supervisor, "RESTART_PAUSES", (0.05,))


def test_the_main_childs_exit_code_ends_the_run_and_stops_the_others(tmp_path):
    lines: list[str] = []
    side = Child("side", _python("import time; time.sleep(60)"))
    main = Child("main", _python("import time, sys; time.sleep(0.5); sys.exit(3)"), main=True)
    run = Supervisor([main, side], dict(os.environ), lines.append, poll_interval=0.02)
    started = time.monotonic()
    assert run.run() == 3
    assert time.monotonic() - started < 20
    assert side.process is None and any(line.startswith("started side") for line in lines)


def test_a_side_child_that_dies_is_restarted(tmp_path):
    starts = tmp_path / "starts"
    side = Child("side", _python(f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(1)"))
    main = Child("main", _python("import time; time.sleep(1.5)"), main=True)
    lines: list[str] = []
    assert Supervisor([main, side], dict(os.environ), lines.append, poll_interval=0.02).run() == 0
    assert len(starts.read_text()) >= 3
    assert side.exit_codes[:2] == [1, 1] and any("side exited with code 1; restarting" in x
                                                 for x in lines)


def test_sigterm_stops_every_child(tmp_path):
    pids = tmp_path / "pids"
    code = f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}} '); time.sleep(60)"
    children = [Child("main", _python(code), main=True), Child("side", _python(code))]
    run = Supervisor(children, dict(os.environ), lambda _line: None, poll_interval=0.02)
    timer = threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        assert run.run() == 0
    finally:
        timer.cancel()
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == 2 and not any(_alive(pid) for pid in started)


def test_exactly_one_main_child_is_required():
    with pytest.raises(ValueError, match="exactly one"):
        Supervisor([Child("a", ["true"]), Child("b", ["true"])], {}, print)


def test_children_get_the_parents_settings_through_the_environment(tmp_path):
    settings = Settings(home=tmp_path / "home", shards=3, index_refresh_interval=0.5)
    env = settings_env(settings, base={"PATH": "/bin", "TALENT_SHARDS": "9"})
    assert env["PATH"] == "/bin"
    assert (env["TALENT_HOME"], env["TALENT_SHARDS"], env["TALENT_INDEX_REFRESH_INTERVAL"]) == (
        str(tmp_path / "home"), "3", "0.5")
    # unset: the child derives it from the home, as the parent does
    assert "TALENT_DATABASE_URL" not in env
