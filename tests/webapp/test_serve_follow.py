"""A running `talent serve` follows the index by itself: live updates, a new build and a rollback
reach its API without a restart and without a failed request (real processes, real HTTP)."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pytest
from serve_process import (
    Api,
    cmdline,
    descendants,
    free_port,
    start_talent,
    stop_group,
    talent_env,
    wait_for,
    wait_until_serving,
)
from sqlalchemy import update

from talent.storage.models import Member

REPO = Path(__file__).resolve().parents[2]


@dataclass
class RunningServer:
    home: Path
    settings: Any
    database: Any
    process: Any
    port: int
    token: str
    log: Path

    def api(self) -> Api:
        return Api(self.port, self.token)

    def updaters(self) -> list[int]:
        return [pid for pid in descendants(self.process.pid)
                if "index update --follow" in cmdline(pid)]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[RunningServer]:
    """The test world indexed in 2 shards, served by `talent serve --with-updater` (2 sync
    workers)."""
    from index.build.builder import build_index
    from talent.settings import Settings
    from talent.storage.db import Database
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world
    from webapp.accounts import ensure_demo_accounts

    home = tmp_path_factory.mktemp("follow")
    settings = Settings(home=home, shards=2, secret_key="test-secret")
    settings.ensure_home()
    database = Database.from_settings(settings)
    database.upgrade()
    config = load_world_config(REPO / "fixtures" / "worlds" / "test.toml")
    generate_world(config, database, settings.worlds_dir, resolve_taxonomy(config, settings))
    build_index(settings.index_dir, settings.resolved_database_url, shards=2, processes=0)
    (account,) = ensure_demo_accounts(database, count=1, echo=None)
    port = free_port()
    log = home / "serve.log"
    process = start_talent(["--home", str(home), "serve", "--port", str(port), "--workers", "2",
                            "--with-updater", "--rate-limit", "search=1000000 per minute"],
                           talent_env(secret_key="test-secret", shards=2), log)
    running = RunningServer(home, settings, database, process, port, account.token, log)
    try:
        wait_until_serving(port, process, log, timeout=60)
        wait_for(lambda: running.updaters(), timeout=10)
        yield running
    finally:
        stop_group(process)
        database.dispose()


def _set_headline(server: RunningServer, member_id: int, headline: str) -> None:
    """A profile edit through the ORM: recorded in the outbox for the live updater."""
    with server.database.session() as s:
        s.get(Member, member_id).headline = headline


def _set_headline_unlogged(server: RunningServer, member_id: int, headline: str) -> None:
    """An edit the outbox does not see (SQL, no ORM): only a new build can pick it up."""
    with server.database.engine.begin() as conn:
        conn.execute(update(Member).where(Member.id == member_id).values(headline=headline))


class Hammer:
    """Client threads searching without pause; every answer's status is counted."""

    def __init__(self, server: RunningServer, queries: list[str], clients: int = 2):
        self.statuses: Counter[Any] = Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run,
                                          args=(server.api(), queries[i::clients] or queries))
                         for i in range(clients)]

    def _run(self, api: Api, queries: list[str]) -> None:
        i = 0
        while not self._stop.is_set():
            try:
                status, _ = api.search(queries[i % len(queries)])
            except Exception as exc:  # noqa: BLE001 - a refused or dropped connection is a failure too
                status = type(exc).__name__
            with self._lock:
                self.statuses[status] += 1
            i += 1
        api.close()

    def __enter__(self) -> Self:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)


def test_a_profile_change_reaches_the_api_without_a_restart(server):
    api = server.api()
    member_id = 11
    assert member_id not in api.members_found("quokka")
    _set_headline(server, member_id, "Quokka wrangler and data engineer")
    seconds = wait_for(lambda: member_id in api.members_found("quokka"), timeout=10)
    assert seconds < 10


def test_a_new_build_and_a_rollback_are_served_without_a_failed_request(server):
    from index.build.builder import build_index
    from index.versions import VersionStore

    api = server.api()
    member_id = 23
    _set_headline_unlogged(server, member_id, "Narwhal tamer")
    store = VersionStore(server.settings.index_dir)
    old = store.current()
    with Hammer(server, ["nurse", "software engineer", "narwhal", "manager"]) as hammer:
        wait_for(lambda: sum(hammer.statuses.values()) >= 10, timeout=30)
        assert member_id not in api.members_found("narwhal")  # the serving build predates the edit
        build_index(server.settings.index_dir, server.settings.resolved_database_url, shards=2,
                    processes=0)
        wait_for(lambda: member_id in api.members_found("narwhal"), timeout=10)
        swapped = sum(hammer.statuses.values())
        assert store.rollback(old) == old
        wait_for(lambda: member_id not in api.members_found("narwhal"), timeout=10)
        wait_for(lambda: sum(hammer.statuses.values()) >= swapped + 10, timeout=30)
    assert set(hammer.statuses) == {200}, hammer.statuses


def test_the_updater_beside_the_server_is_restarted_when_it_dies(server):
    (first,) = server.updaters()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: server.updaters() and server.updaters() != [first], timeout=15)
    api = server.api()
    _set_headline(server, 31, "Pangolin keeper")
    wait_for(lambda: 31 in api.members_found("pangolin"), timeout=10)


def test_stopping_the_server_stops_the_updater(server):
    tree = descendants(server.process.pid)
    assert server.updaters() and len(tree) >= 4  # web master, 2 workers, updater
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and cmdline(pid) for pid in tree),
             timeout=20)
