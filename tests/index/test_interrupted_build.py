"""A build killed or interrupted midway leaves the serving version alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from index_world import new_bulk_world

from index.build.builder import build_index
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
from index.versions import VersionStore

MEMBERS = 6000  # enough chunks that a build seen midway is still running when the signal lands


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("killhome")
    world = new_bulk_world(home, MEMBERS, seed=3)
    build_index(home / "index", world.url, shards=4, processes=0)
    world.db.dispose()
    return home


def _start_build(home: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
    return subprocess.Popen(
        [sys.executable, "-m", "talent.cli", "--home", str(home), "index", "build", "--shards", "4",
         "--processes", "2", "--chunk-size", "100", "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a shell that runs the suite in the background (`make test &`, CI) starts it with Ctrl-C
        # ignored, which children inherit: the build must get Python's own Ctrl-C handling
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_until_midway(store: VersionStore, before: set[str], proc: subprocess.Popen) -> str:
    deadline = time.time() + 60
    while time.time() < deadline:
        new = [v for v in store.names() if v not in before]
        if new and any((store.path(new[0]) / f"shard-{i}" / "tantivy").exists() for i in range(4)):
            assert not (store.path(new[0]) / "manifest.json").exists(), \
                "build finished before the kill"
            return new[0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("the build never got going")


def _interrupt_midway(home: Path, store: VersionStore, sig: signal.Signals) -> tuple[str, str]:
    """(version serving before, the interrupted version). On a crowded machine the small build
    can finish between being seen midway and the signal landing: then it is simply the new
    serving version, and the kill is tried again on a fresh build."""
    for _ in range(5):
        serving_before = store.current()
        proc = _start_build(home)
        half_built = _wait_until_midway(store, set(store.names()), proc)
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        if proc.returncode == 0 and store.current() == half_built:
            continue  # finished before the signal: not what this test is about
        assert proc.returncode != 0
        return serving_before, half_built
    raise AssertionError("the build finished before the signal five times")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
def test_killing_a_build_midway_keeps_the_old_version_serving(home, sig):
    store = VersionStore(home / "index")
    serving_before, half_built = _interrupt_midway(home, store, sig)
    assert store.current() == serving_before
    serving = ServingIndex(home / "index")
    assert serving.version == serving_before and serving.count(Q.all_docs()) == MEMBERS
    assert store.state(half_built) == "failed"
    reason = (store.path(half_built) / "FAILED").read_text()
    assert ("interrupted" in reason) if sig == signal.SIGINT else ("killed" in reason)
    if sig == signal.SIGKILL:  # orphaned workers notice their parent died and stop writing
        time.sleep(1.5)
        sizes = [sum(f.stat().st_size for f in store.path(half_built).rglob("*") if f.is_file())]
        time.sleep(1.0)
        sizes.append(sum(f.stat().st_size for f in store.path(half_built).rglob("*")
                         if f.is_file()))
        assert sizes[0] == sizes[1]
