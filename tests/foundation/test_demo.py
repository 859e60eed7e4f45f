"""`talent demo` from an empty home, as `make demo` runs it: every step, then a server that answers.

The demo runs as a real process on the test world, on the demo world's code path: the index is
built by worker processes (TALENT_BUILD_PROCESSES, as the demo world's 20,000 members get) and
the recruiter sessions are simulated by worker processes (the world's ``[simulation] workers``);
L1 trains on two threads. Demo-world runs hung because the web workers were forked from the
process that had trained: XGBoost's model loading entered an OpenMP region whose thread team
belonged to the parent (``gomp_team_barrier_wait_end`` in every worker). The test world's L1
winner is LightGBM, which loads and predicts without OpenMP, so the hang itself does not show on
it; what the tests pin is its cause: the process that forks the web workers is a fresh,
single-threaded interpreter, not the one that trained and built.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from serve_process import (
    Api,
    cmdline,
    descendants,
    free_port,
    listener,
    start_talent,
    stop_group,
    talent_env,
    threads,
    wait_for,
    wait_until_serving,
)

from talent.cli import main
from talent.world.config import load_world_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
STEPS = ("simulate recruiter sessions", "build the index", "train the title embeddings (LINE)",
         "train the L1 ranker", "train the L2 re-ranker (GLMix)")
SETUP_TIMEOUT = 300  # the six steps (about 70 s here)
ANSWER_TIMEOUT = 120  # from "serving at" to an answered search (~1 s quiet; >30 s seen at load 30)


@dataclass
class Demo:
    home: Path
    world: Path
    process: Any
    port: int
    log: Path
    setup_output: str
    token: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    """`talent demo` on an empty home, left serving until the last test stops it."""
    root = tmp_path_factory.mktemp("demo")
    world = root / "test-with-workers.toml"
    world.write_text((REPO / "fixtures" / "worlds" / "test.toml").read_text() + "workers = 2\n")
    assert load_world_config(world).simulation.workers == 2
    home, port, log = root / "home", free_port(), root / "demo.log"
    process = start_talent(["--home", str(home), "demo", "--world", str(world), "--port",
                            str(port)], talent_env(build_processes=2), log)
    try:
        wait_for(lambda: "[demo] serving at" in log.read_text() or process.poll() is not None,
                 timeout=SETUP_TIMEOUT, interval=0.5)
        output = log.read_text()
        assert process.poll() is None, f"demo exited with {process.returncode}:\n{output[-3000:]}"
        token = re.search(r"API token: (tlnt_demo_\d+)", output)
        assert token, output[-3000:]
        yield Demo(home, world, process, port, log, output, token.group(1))
    finally:
        stop_group(process)


def test_the_demo_runs_every_step_on_an_empty_home(demo):
    for step in (f"generate world '{demo.world}'", *STEPS):
        assert f"[demo] {step}:" in demo.setup_output
    assert "already done" not in demo.setup_output
    assert "2 worker processes" in demo.setup_output  # the index build, as on the demo world


def test_the_demo_answers_a_search_over_http(demo):
    wait_until_serving(demo.port, demo.process, demo.log, timeout=ANSWER_TIMEOUT)
    status, answer = Api(demo.port, demo.token, timeout=ANSWER_TIMEOUT).search("nurse")
    assert status == 200, answer
    assert answer["total"] > 0 and answer["ranker"] not in ("", "text-match")


def test_the_web_workers_are_forked_by_a_fresh_single_threaded_server(demo):
    wait_until_serving(demo.port, demo.process, demo.log, timeout=ANSWER_TIMEOUT)
    master = listener(demo.port)
    assert threads(master) == 1  # no training, build or OpenMP threads to inherit at fork
    assert " serve " in cmdline(master) and " demo " not in cmdline(master)
    assert " serve " in cmdline(demo.process.pid)  # the demo process itself was replaced (exec)


def test_the_demo_runs_the_live_index_updater_beside_the_server(demo):
    from sqlalchemy import select

    from talent.settings import Settings
    from talent.storage.db import Database
    from talent.storage.models import Member

    wait_until_serving(demo.port, demo.process, demo.log, timeout=ANSWER_TIMEOUT)
    assert any("index update --follow" in cmdline(pid) for pid in descendants(demo.process.pid))
    database = Database.from_settings(Settings(home=demo.home))
    with database.session() as s:
        member = s.scalars(select(Member).order_by(Member.id).limit(1)).one()
        member.headline = "Capybara herder"
        member_id = member.id
    database.dispose()
    api = Api(demo.port, demo.token)
    wait_for(lambda: member_id in [r["member_id"] for r in api.search("capybara")[1]["results"]],
             timeout=15)


def test_stopping_the_demo_stops_the_server_and_the_updater(demo):
    tree = descendants(demo.process.pid)
    demo.process.send_signal(signal.SIGTERM)
    assert demo.process.wait(timeout=30) == 0
    deadline = time.monotonic() + 20
    while any(cmdline(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(cmdline(pid) for pid in tree)


def test_a_second_run_skips_every_step(demo, capsys):
    assert main(["--home", str(demo.home), "demo", "--world", str(demo.world), "--no-serve"]) == 0
    assert capsys.readouterr().out.count("already done") == len(STEPS) + 1
