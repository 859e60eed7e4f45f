"""Benchmark: a profile change committed in the database -> found by the HTTP API of a running
server; and a build swapped in, then rolled back, under search load without a failed request.

Usage::

    .venv/bin/python benchmarks/live_visibility.py --home var/demo
    .venv/bin/python benchmarks/live_visibility.py --home HOME --url http://127.0.0.1:8000
        # a running server
    .venv/bin/python benchmarks/live_visibility.py --home HOME --churn-rate 5  # with background
                                                                                 churn

Needs a data home with a world, a built index and (for the realistic cost) an L1 model: `talent
demo --no-serve` makes one. Without ``--url`` it starts ``talent serve --with-updater`` (2 sync
workers, search rate limit raised) on a free localhost port, as an operator runs it; with ``--url``
the server must follow the index by itself and ``talent index update --follow`` must run beside it.

Part 1, visibility: ``--changes`` times (50), one member (seeded pick) gets a headline with a word
no profile holds, committed through the ORM (so the outbox records it); the clock starts when the
commit returns, and this process searches ``POST /api/v1/search`` for the word back to back (as a
demo recruiter, bearer token) until a result is that member. The figure is commit -> the end of the
first search that found it. Changes are spaced by a random pause so they fall at random phases of
the updater's poll and the workers' refresh. Prints p50, p90 and max (goal: < 1 s).

Part 2, swap and rollback: ``--clients`` threads search a seeded mix of logged queries without pause
while this process runs ``talent index build`` (a new version, swapped in) and then ``talent index
rollback`` (the previous version back). A headline word written with plain SQL before the build
(invisible to the outbox) shows when each worker serves the new build and when the rollback. Prints
requests, failures (any non-200 or connection error; goal 0), latency p50/p99/max during the run,
and how long after ``build``/``rollback`` returned the API answered from the new version.

Prints figures only; no timed assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from api_load import Client, demo_tokens, free_port, logged_queries

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def talent(*args: str) -> list[str]:
    return [sys.executable, "-m", "talent.cli", *args]


def start_server(home: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, TALENT_HOME=home)
    env.setdefault("TALENT_LOG_LEVEL", "WARNING")
    with log.open("wb") as out:
        process = subprocess.Popen(talent("serve", "--port", str(port), "--workers", "2",
                                          "--with-updater", "--rate-limit",
                                          "search=1000000 per minute"), stdout=out,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"talent serve exited ({process.returncode}); see {log}")
            try:
                # 401 without a token: the server answers
                Client(url, "none").post("/api/v1/search", b"{}")
                return process, url
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"talent serve did not answer within 90 s; see {log}")
    except BaseException:
        stop_server(process)
        raise


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # the supervisor stops the web server and the updater
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def found(client: Client, word: str, member_id: int) -> bool:
    status, data = client.post("/api/v1/search",
                               json.dumps({"query": word, "facets": False}).encode())
    if status != 200:
        raise SystemExit(f"search for {word!r} answered {status}: {data[:300]!r}")
    return any(int(r["member_id"]) == member_id for r in json.loads(data)["results"])


_WORDS = random.SystemRandom()


def unique_word() -> str:
    """A word no profile holds, different on every run (letters only: every analyzer keeps it
    whole)."""
    return "zq" + "".join(_WORDS.choice(string.ascii_lowercase) for _ in range(12))


# --- part 1 ---------------------------------------------------------------------------------------
def visibility(db: Any, client: Client, member_ids: list[int], changes: int, rng: random.Random,
               timeout: float = 30.0) -> list[float]:
    from talent.storage.models import Member

    seconds = []
    for k in range(changes):
        member_id = rng.choice(member_ids)
        word = unique_word()
        with db.session() as s:
            member = s.get(Member, member_id)
            member.headline = f"{word} {member.headline}"[:300]
        committed = time.perf_counter()
        while not found(client, word, member_id):
            if time.perf_counter() - committed > timeout:
                raise SystemExit(f"change {k} (member {member_id}, {word!r}) not found within "
                                 f"{timeout} s: is `talent index update --follow` running?")
        seconds.append(time.perf_counter() - committed)
        time.sleep(rng.uniform(0.05, 0.5))
    return seconds


# --- part 2 ---------------------------------------------------------------------------------------
@dataclass
class Load:
    statuses: Counter[Any] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, url: str, token: str, bodies: list[bytes]) -> None:
        client = Client(url, token)
        i = 0
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                status, _ = client.post("/api/v1/search", bodies[i % len(bodies)])
            except OSError as exc:
                status = type(exc).__name__
            elapsed = (time.perf_counter() - start) * 1e3
            with self.lock:
                self.statuses[status] += 1
                if status == 200:
                    self.latencies_ms.append(elapsed)
            i += 1

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


def swap_and_rollback(home: str, db: Any, url: str, token: str, member_ids: list[int],
                      queries: list[Any],
                      clients: int, rng: random.Random, log: Path) -> dict[str, Any]:
    from sqlalchemy import update

    from index.versions import VersionStore
    from talent.settings import load_settings
    from talent.storage.models import Member

    store = VersionStore(load_settings(home=home).index_dir)
    before = store.current()
    member_id, word = rng.choice(member_ids), unique_word()
    with db.engine.begin() as conn:  # plain SQL: no outbox row, only a build can pick it up
        conn.execute(update(Member).where(Member.id == member_id)
                     .values(headline=f"{word} swap marker"))
    probe = Client(url, token)
    if found(probe, word, member_id):
        raise SystemExit(f"{word!r} is already served: the serving version holds changes the "
                         "outbox did not log")
    load = Load()
    bodies = [json.dumps({"query": q, "facets": True, "session_id": "live-visibility"}).encode()
              for q in queries]
    threads = [threading.Thread(target=load.run, args=(url, token, bodies[i::clients] or bodies),
                                daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    load_start = time.perf_counter()
    env = dict(os.environ, TALENT_HOME=home, TALENT_LOG_LEVEL="WARNING")
    figures: dict[str, Any] = {"version_before": before}
    try:
        time.sleep(2.0)
        with log.open("ab") as out:
            t0 = time.perf_counter()
            subprocess.run(talent("index", "build", "--quiet"), env=env, stdout=out,
                           stderr=subprocess.STDOUT, check=True)
            built = time.perf_counter()
            figures["build_seconds"] = round(built - t0, 2)
            figures["version_built"] = store.current()
            while not found(probe, word, member_id):
                time.sleep(0.01)
            figures["swap_served_after_s"] = round(time.perf_counter() - built, 3)
            time.sleep(2.0)
            subprocess.run(talent("index", "rollback", "--to", before or ""), env=env, stdout=out,
                           stderr=subprocess.STDOUT, check=True)
            rolled = time.perf_counter()
            while found(probe, word, member_id):
                time.sleep(0.01)
            figures["rollback_served_after_s"] = round(time.perf_counter() - rolled, 3)
            figures["version_after"] = store.current()
            time.sleep(2.0)
    finally:
        figures["load_seconds"] = round(time.perf_counter() - load_start, 1)
        load.stop.set()
        for t in threads:
            t.join(60)
    lat = np.asarray(load.latencies_ms) if load.latencies_ms else np.asarray([np.nan])
    figures.update(requests=load.requests, failed=load.failed,
                   statuses={str(k): v for k, v in load.statuses.items()},
                   p50_ms=round(float(np.percentile(lat, 50)), 1),
                   p99_ms=round(float(np.percentile(lat, 99)), 1),
                   max_ms=round(float(np.max(lat)), 1))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", default=os.environ.get("TALENT_HOME", "var"), help="data home")
    parser.add_argument("--url",
                        help="a running server (with `talent index update --follow` beside it)")
    parser.add_argument("--changes", type=int, default=50, help="profile changes timed")
    parser.add_argument("--clients", type=int, default=2,
                        help="searching threads during the swap and rollback")
    parser.add_argument("--churn-rate", type=float, default=0.0,
                        help="also make this many realistic profile changes per second in the "
                             "background (`talent world churn`) while measuring")
    parser.add_argument("--no-swap", action="store_true", help="skip the swap and rollback part")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import Member

    home = str(Path(args.home).resolve())
    settings = load_settings(home=home)
    db = Database.from_settings(settings)
    with db.session() as s:
        member_ids = sorted(s.scalars(select(Member.id)))
    if not member_ids:
        raise SystemExit(f"no members in {home}: run `talent demo --no-serve` (or world generate + "
                         "index build)")
    token = demo_tokens(home, 1)[0]
    rng = random.Random(args.seed)
    log = Path(home) / "live-visibility.log"
    server, url = (None, args.url) if args.url else start_server(home, log)
    churn: subprocess.Popen[bytes] | None = None
    try:
        if args.churn_rate > 0:
            churn = subprocess.Popen(talent("world", "churn", "--rate", str(args.churn_rate),
                                            "--seed", str(args.seed), "--quiet"),
                                     env=dict(os.environ, TALENT_HOME=home),
                                     stdout=subprocess.DEVNULL)
        client = Client(url, token)
        for _ in range(3):  # warm both workers up
            found(client, "nurse", -1)
        seconds = visibility(db, client, member_ids, args.changes, rng)
        ms = np.asarray(seconds) * 1e3
        figures: dict[str, Any] = {
            "home": home, "members": len(member_ids), "changes": len(seconds),
            "churn_per_s": args.churn_rate,
            "visibility_p50_ms": round(float(np.percentile(ms, 50)), 1),
            "visibility_p90_ms": round(float(np.percentile(ms, 90)), 1),
            "visibility_max_ms": round(float(ms.max()), 1),
            "refresh_interval_s": settings.index_refresh_interval,
            "load1": os.getloadavg()[0],
        }
        print(f"commit -> found by the API over {len(seconds)} changes ({len(member_ids):,} "
              f"members): p50 {figures['visibility_p50_ms']:.0f} ms, p90 "
              f"{figures['visibility_p90_ms']:.0f} ms, max {figures['visibility_max_ms']:.0f} ms "
              "(goal < 1000 ms)")
        if not args.no_swap:
            queries = logged_queries(home, 200, args.seed)
            swap = swap_and_rollback(home, db, url, token, member_ids, queries, args.clients, rng,
                                     log)
            figures["swap_rollback"] = swap
            print(f"swap and rollback under load: {swap['requests']} searches, {swap['failed']} "
                  f"failed (goal 0); p50 {swap['p50_ms']} ms, p99 {swap['p99_ms']} ms, max "
                  f"{swap['max_ms']} ms; build {swap['build_seconds']} s, new version served "
                  f"{swap['swap_served_after_s']} s after the build returned, the old one "
                  f"{swap['rollback_served_after_s']} s after the rollback")
        print(json.dumps(figures, indent=2))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        if churn is not None:
            churn.terminate()
            churn.wait(10)
        if server is not None:
            stop_server(server)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
