"""Soak: sustained mixed load on a running server while profiles change and a rebuild is swapped in.

Usage::

    .venv/bin/python benchmarks/soak.py --home var/demo --minutes 10 \\
        --work var/soak

``--home`` (a world, an index, ideally an L1 model and logged searches: ``talent demo
--no-serve``) is copied under ``--work``, never changed. The copy is served by ``talent serve
--with-updater`` (2 sync workers, limits raised) on a free localhost port. For ``--minutes``:

- ``--clients`` threads act as demo recruiters of ``--contracts`` contracts (each its own
  project): each step is a search (logged queries), a profile view of a result, a save to the
  project, an InMail or a good/not-fit mark, in ``--mix`` shares, with a pause of ``--pause``
  seconds between steps;
- ``talent world churn --rate R`` streams profile changes through the outbox the updater applies;
- halfway, ``talent index build`` builds a new version, swapped in under load.

At the end the churn stops, the updater catches up, and the run checks that every changed member's
serving document matches the database (headline, title, open to work; deleted members absent) and
that every write the API acknowledged (saves, InMails, feedback) is in the database. Prints errors
by status, p50/p99 per endpoint, changes made vs found and writes made vs found; writes a JSON
report and a plot of p50/p99 per endpoint over time (``soak.png``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MIX = {"search": 0.45, "profile": 0.25, "save": 0.1, "inmail": 0.05, "feedback": 0.15}
FALLBACK_QUERIES = ["manager", "nurse", "python", "sales", "engineer", "teacher", "analyst"]


def talent(*args: str) -> list[str]:
    return [sys.executable, "-m", "talent.cli", *args]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Call:
    t: float
    endpoint: str
    status: int
    ms: float


class Recruiter:
    """One demo recruiter's keep-alive connection and state (project, last search's results)."""

    def __init__(self, port: int, token: str, rng: random.Random):
        self.port, self.rng = port, rng
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None
        self.project_id: int | None = None
        self.search_id: int | None = None
        self.results: list[int] = []

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body).encode()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=payload, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                try:
                    return response.status, json.loads(data) if data else None
                except ValueError:
                    return response.status, None
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt:
                    return 0, None
        return 0, None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Ledger:
    """Every call, and every write the API acknowledged."""

    t0: float = field(default_factory=time.monotonic)
    calls: list[Call] = field(default_factory=list)
    saves: set[int] = field(default_factory=set)       # project_candidates ids
    inmails: set[int] = field(default_factory=set)
    feedback: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, status: int, start: float) -> None:
        with self.lock:
            self.calls.append(Call(start - self.t0, endpoint, status,
                                   (time.monotonic() - start) * 1e3))


def step(r: Recruiter, kind: str, queries: list[Any], ledger: Ledger) -> None:
    """One recruiter action; falls back to a search when there is nothing to act on yet."""
    if kind != "search" and not r.results:
        kind = "search"
    start = time.monotonic()
    if kind == "search":
        status, data = r.call("POST", "/api/v1/search",
                              {"query": r.rng.choice(queries), "facets": r.rng.random() < 0.5,
                               "project_id": r.project_id})
        if status == 200:
            r.search_id = data["search_id"]
            r.results = [int(c["member_id"]) for c in data["results"]]
    elif kind == "profile":
        member = r.rng.choice(r.results)
        status, _ = r.call("GET", f"/api/v1/members/{member}?search_id={r.search_id}")
        if status == 404:  # erased or deleted meanwhile: not an error of the server
            r.results.remove(member)
    elif kind == "save":
        status, data = r.call("POST", f"/api/v1/projects/{r.project_id}/candidates",
                              {"member_id": r.rng.choice(r.results), "search_id": r.search_id})
        if status == 201:
            with ledger.lock:
                ledger.saves.add(int(data["id"]))
    elif kind == "inmail":
        status, data = r.call("POST", "/api/v1/inmails",
                              {"member_id": r.rng.choice(r.results), "subject": "A role for you",
                               "body": "Would you talk about it?", "project_id": r.project_id,
                               "search_id": r.search_id})
        if status == 201:
            with ledger.lock:
                ledger.inmails.add(int(data["id"]))
    else:
        status, data = r.call("POST", "/api/v1/feedback",
                              {"member_id": r.rng.choice(r.results), "search_id": r.search_id,
                               "kind": r.rng.choice(["good_fit", "not_fit"])})
        if status == 201:
            with ledger.lock:
                ledger.feedback.add(int(data["id"]))
    ledger.record(kind, status, start)


def load(port: int, tokens: list[str], queries: list[Any], clients: int, seconds: float,
         pause: float, seed: int, ledger: Ledger) -> None:
    kinds, weights = zip(*MIX.items(), strict=True)
    stop_at = time.monotonic() + seconds

    def worker(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        r = Recruiter(port, tokens[i % len(tokens)], rng)
        status, data = r.call("POST", "/api/v1/projects", {"name": f"soak {seed}-{i}"})
        r.project_id = data["id"] if status == 201 else None
        while time.monotonic() < stop_at:
            step(r, rng.choices(kinds, weights)[0], queries, ledger)
            time.sleep(rng.uniform(0, 2 * pause))
        r.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# --- checks at the end ----------------------------------------------------------------------------
def wait_for_updater(home: Path, timeout: float) -> tuple[int, int]:
    """(outbox high-water mark, applied position of the serving version) once caught up."""
    from sqlalchemy import func, select

    from index.versions import VersionStore
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import ProfileChange

    db = Database.from_settings(load_settings(home=str(home)))
    with db.session() as s:
        high = int(s.scalar(select(func.max(ProfileChange.id))) or 0)
    db.dispose()
    store = VersionStore(home / "index")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        applied = store.applied_position(store.current() or "")
        if applied >= high:
            return high, applied
        time.sleep(0.2)
    return high, store.applied_position(store.current() or "")


def check_changes(home: Path, since: int) -> dict[str, Any]:
    """Every member changed after outbox position ``since``: its serving document says what the
    database says (deleted members: no document)."""
    from sqlalchemy import select

    from index.serving.serving_index import ServingIndex
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import Member, ProfileChange

    db = Database.from_settings(load_settings(home=str(home)))
    with db.session() as s:
        changed = sorted(set(s.scalars(select(ProfileChange.member_id)
                                       .where(ProfileChange.id > since))))
        rows = {m.id: m for m in s.scalars(select(Member).where(Member.id.in_(changed)))}
        changes = len(s.scalars(select(ProfileChange.id).where(ProfileChange.id > since)).all())
    db.dispose()
    serving = ServingIndex(home / "index")
    docs = {int(d["member_id"]): d for d in serving.documents(changed)}
    serving.close()
    stale = []
    for member_id in changed:
        row, doc = rows.get(member_id), docs.get(member_id)
        if row is None:
            if doc is not None:
                stale.append((member_id, "deleted but still served"))
            continue
        if doc is None:
            stale.append((member_id, "missing"))
        elif (doc.get("headline"), doc.get("title"), bool(doc.get("open_to_work"))) != (
                row.headline, row.current_title, bool(row.open_to_work)):
            stale.append((member_id, "stale"))
    return {"outbox_changes": changes, "members_changed": len(changed),
            "members_found_current": len(changed) - len(stale), "stale": stale[:20]}


def check_writes(home: Path, ledger: Ledger) -> dict[str, Any]:
    from sqlalchemy import select

    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import Feedback, InMail, ProjectCandidate

    db = Database.from_settings(load_settings(home=str(home)))
    out: dict[str, Any] = {}
    with db.session() as s:
        for name, model, ids in (("saves", ProjectCandidate, ledger.saves),
                                 ("inmails", InMail, ledger.inmails),
                                 ("feedback", Feedback, ledger.feedback)):
            found = set(s.scalars(select(model.id).where(model.id.in_(ids)))) if ids else set()
            out[name] = {"acknowledged": len(ids), "found": len(found), "lost": len(ids - found)}
    db.dispose()
    return out


# --- report ---------------------------------------------------------------------------------------
def percentiles(calls: list[Call]) -> dict[str, dict[str, float]]:
    by: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        if c.status and c.status < 500:
            by[c.endpoint].append(c.ms)
    return {k: {"n": len(v), "p50_ms": round(float(np.percentile(v, 50)), 1),
                "p99_ms": round(float(np.percentile(v, 99)), 1)} for k, v in sorted(by.items())}


def plot(calls: list[Call], events: dict[str, float], path: Path, bucket: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharex=True)
    for endpoint in MIX:
        rows = [c for c in calls if c.endpoint == endpoint and c.status and c.status < 500]
        if not rows:
            continue
        buckets: dict[int, list[float]] = defaultdict(list)
        for c in rows:
            buckets[int(c.t // bucket)].append(c.ms)
        xs = sorted(buckets)
        minutes = [(x + 0.5) * bucket / 60 for x in xs]
        axes[0].plot(minutes, [np.percentile(buckets[x], 50) for x in xs], label=endpoint)
        axes[1].plot(minutes, [np.percentile(buckets[x], 99) for x in xs], label=endpoint)
    for ax, title in zip(axes, ("p50", "p99"), strict=True):
        for name, t in events.items():
            ax.axvline(t / 60, color="grey", linestyle=":", linewidth=1)
            ax.text(t / 60, ax.get_ylim()[1] * 0.95, name, fontsize=7, rotation=90, va="top")
        ax.set_title(f"{title} latency per endpoint ({bucket:g} s buckets)")
        ax.set_xlabel("minutes")
        ax.set_ylabel("ms")
        ax.set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def copy_home(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("talent.db*", "*.log",
                                                                  "ratelimits.sqlite*"))
    with sqlite3.connect(source / "talent.db") as a, sqlite3.connect(target / "talent.db") as b:
        a.backup(b)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    copy_home(Path(args.home), home)
    env = {**os.environ, "TALENT_HOME": str(home), "TALENT_LOG_LEVEL": "WARNING"}
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import ProfileChange
    from webapp.accounts import ensure_demo_accounts

    db = Database.from_settings(load_settings(home=str(home)))
    tokens = [a.token for a in ensure_demo_accounts(db, count=args.contracts, echo=None)]
    with db.session() as s:
        since = int(s.scalar(select(func.max(ProfileChange.id))) or 0)
    db.dispose()
    try:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from api_load import logged_queries

        queries = logged_queries(str(home), 300, seed=args.seed)
    except SystemExit:
        queries = list(FALLBACK_QUERIES)
    port = free_port()
    log = (work / "server.log").open("wb")
    server = subprocess.Popen(talent("serve", "--port", str(port), "--workers", "2",
                                     "--with-updater", "--rate-limit", "search=1000000 per minute",
                                     "--rate-limit", "profile=1000000 per minute"),
                              stdout=log, stderr=subprocess.STDOUT, env=env,
                              start_new_session=True)
    churn = None
    try:
        probe = Recruiter(port, tokens[0], random.Random(0))
        deadline = time.monotonic() + 180
        while probe.call("GET", "/api/v1/me")[0] != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server did not start; see {work / 'server.log'}")
            time.sleep(0.5)
        probe.close()
        seconds = args.minutes * 60
        ledger = Ledger()
        churn = subprocess.Popen(talent("world", "churn", "--rate", str(args.churn_rate),
                                        "--duration", str(seconds), "--seed", str(args.seed),
                                        "--quiet"), env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        events: dict[str, float] = {}

        def rebuild() -> None:
            time.sleep(seconds / 2)
            events["build start"] = time.monotonic() - ledger.t0
            done = subprocess.run(talent("index", "build"), env=env, capture_output=True)
            events["build swapped"] = time.monotonic() - ledger.t0
            events["build exit"] = done.returncode

        builder = threading.Thread(target=rebuild, daemon=True)
        builder.start()
        load(port, tokens, queries, args.clients, seconds, args.pause, args.seed, ledger)
        builder.join(timeout=600)
        churn_out = churn.communicate(timeout=120)[0].decode(errors="replace").strip()
        high, applied = wait_for_updater(home, 120)
        time.sleep(1.0)  # the workers' refresh (0.25 s) before the last reads
        changes = check_changes(home, since)
        writes = check_writes(home, ledger)
    finally:
        for process in (churn, server):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        log.close()
    statuses = Counter(str(c.status) for c in ledger.calls)
    errors = {k: v for k, v in statuses.items() if k == "0" or int(k) >= 500}
    report = {
        "minutes": args.minutes, "clients": args.clients, "contracts": len(tokens),
        "requests": len(ledger.calls), "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(errors.values()),
        "by_endpoint": percentiles(ledger.calls),
        "events_s": {k: round(v, 1) for k, v in events.items()},
        "churn": churn_out.splitlines()[-1] if churn_out else "",
        "outbox": {"high_water": high, "applied": applied},
        "changes": changes, "writes": writes,
    }
    if args.plot:
        plot(ledger.calls, {k: v for k, v in events.items() if k != "build exit"},
             work / "soak.png", bucket=max(5.0, seconds / 40))
    (work / "soak.json").write_text(json.dumps(report, indent=2))
    return report


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--work", default="var/soak")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--contracts", type=int, default=3)
    parser.add_argument("--pause", type=float, default=0.15, help="mean seconds between steps")
    parser.add_argument("--churn-rate", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-plot", dest="plot", action="store_false")
    args = parser.parse_args(argv)
    report = run(args)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
