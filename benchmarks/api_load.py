"""Benchmark: sustained searches per second through the JSON API under `talent serve` (gunicorn).

Usage::

    TALENT_HOME=var/web .venv/bin/python benchmarks/api_load.py
    .venv/bin/python benchmarks/api_load.py --home var/web --configs 2x1,2x4,3x1,2x2
        --rates 40,60,80,90,100,110
    .venv/bin/python benchmarks/api_load.py --home var/web --url http://127.0.0.1:8000
        # a running server

For each server configuration (``WORKERSxTHREADS``) it starts ``talent serve`` on the data home
(a free localhost port, search rate limit raised with ``--rate-limit search=...`` so the limiter
never answers 429 during the run), warms every worker up, then drives ``POST /api/v1/search`` from
this process at increasing offered rates. The load is open loop: requests are sent on a fixed
schedule whatever the server's pace, and latency is measured from each request's scheduled time,
so a server that falls behind shows it in the percentiles (no coordinated omission).

The requests are a realistic recruiter mix drawn from the logged ``searches`` table (seeded; the
benchmark's own searches, session ids ``api-load-*``, are left out):
boolean text as typed, the structured JSON form when the log holds facets (seniority and so on),
and, for a share of them, a facet refinement a recruiter would click next (a location, a skill or
a years-of-experience bucket from the first answer's facet counts); pages 1 (most), 2 and 3..5;
facet counts always on, as the UI asks. Every request carries a recruiter's bearer token
(demo tokens of the first contracts, round robin); every search is logged with its impressions,
as in production.

Per level it prints the offered and sustained searches/s, p50/p90/p99/max latency, errors, the
CPU used (cores) by the server, by this driver and by everything else on the machine (other
work on a shared machine distorts the figures: the column shows how much), the load average,
and at the end the highest offered rate whose p99 stayed
under the target (200 ms) with no errors and the offered rate sustained. Prints figures only;
no timed assertions. Needs a data home with a world, logged searches and a built index (an L1
model for the realistic cost; without one the engine ranks by text match).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TARGET_P99_MS = 200.0
SESSION_PREFIX = "api-load-"
"""Session ids of the benchmark's own searches (left out of the mix of later runs)."""


# --- the request mix ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    body: bytes
    kind: str  # text / structured / refined


def logged_queries(home: str | None, n: int, seed: int) -> list[str | dict[str, Any]]:
    """``n`` logged searches (seeded sample): the structured form when it holds more than text."""
    from sqlalchemy import text

    from talent.settings import load_settings
    from talent.storage.db import Database

    settings = load_settings(home=home)
    db = Database.from_settings(settings)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_text, query_json FROM searches WHERE session_id "
                                 f"NOT LIKE '{SESSION_PREFIX}%' ORDER BY id")).all()
    db.engine.dispose()
    if not rows:
        raise SystemExit("no logged searches in this home: run `talent world simulate` first")
    rng = random.Random(seed)
    picks = rng.sample(range(len(rows)), k=min(n, len(rows)))
    out: list[str | dict[str, Any]] = []
    for i in picks:
        qtext, qjson = rows[i]
        data = json.loads(qjson) if isinstance(qjson, str) and qjson else qjson
        if isinstance(data, dict) and set(data) - {"text"}:
            out.append(data)
        else:
            out.append(str((data or {}).get("text") if isinstance(data, dict) else qtext or ""))
    return [q for q in out if q]


def demo_tokens(home: str | None, count: int) -> list[str]:
    from talent.settings import load_settings
    from talent.storage.db import Database
    from webapp.accounts import ensure_demo_accounts

    db = Database.from_settings(load_settings(home=home))
    accounts = ensure_demo_accounts(db, count=count, echo=None)
    db.engine.dispose()
    return [a.token for a in accounts]


def refinement(query: str | dict[str, Any], answer: dict[str, Any],
               rng: random.Random) -> dict[str, Any] | None:
    """The query narrowed by one facet value of its first answer, as a recruiter clicks it."""
    facets = answer.get("facets") or {}
    choices = []
    for key, name in (("metro_id", "locations"), ("skill_ids", "skills"),
                      ("years_experience", None)):
        values = [v for v in facets.get(key, []) if 0 < v["count"] < answer.get("total", 0)]
        if values:
            choices.append((key, name, values[: 5]))
    if not choices:
        return None
    key, name, values = rng.choice(choices)
    value = rng.choice(values)
    base: dict[str, Any] = dict(query) if isinstance(query, dict) else {"text": query}
    if key == "years_experience":
        base["years_experience"] = value["value"]
    elif key == "metro_id":
        base[name] = {**base.get(name, {}), "must_have": [value["label"]]}
    else:
        base[name] = {**base.get(name, {}), "must_have": [str(value["value"])]}
    return base


def page_of(rng: random.Random) -> int:
    r = rng.random()
    return 1 if r < 0.75 else 2 if r < 0.90 else rng.randint(3, 5)


# --- HTTP -----------------------------------------------------------------------------------------
class Client:
    """One keep-alive connection (reopened when the server closes it)."""

    def __init__(self, url: str, token: str):
        u = urlparse(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request("POST", path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def search(client: Client, body: bytes) -> tuple[int, bytes]:
    return client.post("/api/v1/search", body)


# --- the server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's process tree (from /proc)."""
        return sum(_proc_cpu(pid) for pid in _tree(self.process.pid))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def machine_busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine (all cores) since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def driver_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(home: str | None, workers: int, threads: int, log_dir: Path) -> Server:
    port = free_port()
    log = log_dir / f"serve-{workers}x{threads}.log"
    env = dict(os.environ)
    if home:
        env["TALENT_HOME"] = str(home)
    env.setdefault("TALENT_LOG_LEVEL", "WARNING")
    talent = Path(sys.executable).with_name("talent")
    command = [str(talent) if talent.exists() else sys.executable,
               *([] if talent.exists() else ["-m", "talent.cli"]), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--threads", str(threads),
               "--rate-limit", "search=1000000 per minute"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"talent serve exited ({process.returncode}); see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return Server(process, url, log)
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"talent serve did not answer within 60 s; see {log}")


# --- one level ------------------------------------------------------------------------------------
@dataclass
class Level:
    offered: float
    duration: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    peak_in_flight: int = 0
    server_cpu: float = 0.0
    driver_cpu: float = 0.0
    other_cpu: float = 0.0
    load1: float = 0.0

    @property
    def sustained(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0

    def pct(self, q: float) -> float:
        return (float(np.percentile(np.asarray(self.latencies_ms), q)) if self.latencies_ms
                else float("nan"))

    @property
    def ok(self) -> bool:
        return (not self.errors and self.pct(99) < TARGET_P99_MS
                and len(self.latencies_ms) >= 0.97 * self.offered * self.duration)

    def row(self) -> dict[str, Any]:
        return {"offered_per_s": self.offered, "sustained_per_s": round(self.sustained, 2),
                "completed": len(self.latencies_ms), "errors": sum(self.errors.values()),
                "error_kinds": dict(self.errors), "p50_ms": round(self.pct(50), 1),
                "p90_ms": round(self.pct(90), 1), "p99_ms": round(self.pct(99), 1),
                "max_ms": round(max(self.latencies_ms, default=float("nan")), 1),
                "peak_in_flight": self.peak_in_flight,
                "server_cpu_per_s": round(self.server_cpu, 2),
                "driver_cpu_per_s": round(self.driver_cpu, 2),
                "other_cpu_per_s": round(self.other_cpu, 2), "load1": round(self.load1, 2),
                "p99_under_target": self.ok}


def run_level(url: str, tokens: list[str], plan: list[Planned], rate: float, duration: float,
              seed: int,
              server: Server | None, max_in_flight: int = 64) -> Level:
    """Send ``rate`` searches/s for ``duration`` s on a Poisson schedule; latency from the scheduled
    time."""
    rng = random.Random(seed)
    n = max(1, round(rate * duration))
    gaps = [rng.expovariate(rate) for _ in range(n)]
    schedule = np.cumsum(gaps)
    schedule *= duration / schedule[-1]  # exactly n requests in the window
    level = Level(rate, duration)
    work: queue.Queue[tuple[float, Planned] | None] = queue.Queue()
    lock = threading.Lock()
    in_flight = [0]
    threads_n = min(max_in_flight, max(4, int(rate * 2)))

    def worker(index: int) -> None:
        client = Client(url, tokens[index % len(tokens)])
        while True:
            item = work.get()
            if item is None:
                return
            due, planned = item
            with lock:
                in_flight[0] += 1
                level.peak_in_flight = max(level.peak_in_flight, in_flight[0])
            try:
                status, _ = search(client, planned.body)
                kind = None if status == 200 else f"http_{status}"
            except OSError as exc:
                kind = type(exc).__name__
            done = time.perf_counter()
            with lock:
                in_flight[0] -= 1
                if kind is None:
                    level.latencies_ms.append((done - due) * 1e3)
                else:
                    level.errors[kind] = level.errors.get(kind, 0) + 1

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads_n)]
    for t in pool:
        t.start()
    cpu0 = server.cpu_seconds() if server else 0.0
    busy0, driver0 = machine_busy_seconds(), driver_seconds()
    start = time.perf_counter()
    for i, offset in enumerate(schedule):
        due = start + float(offset)
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        work.put((due, plan[(seed * 7919 + i) % len(plan)]))
    for _ in pool:
        work.put(None)
    for t in pool:
        t.join()
    level.elapsed = time.perf_counter() - start
    level.server_cpu = ((server.cpu_seconds() - cpu0) / level.elapsed) if server else 0.0
    level.driver_cpu = (driver_seconds() - driver0) / level.elapsed
    busy = (machine_busy_seconds() - busy0) / level.elapsed
    level.other_cpu = max(0.0, busy - level.server_cpu - level.driver_cpu) if server else 0.0
    level.load1 = os.getloadavg()[0]
    return level


# --- the whole run --------------------------------------------------------------------------------
def build_plan(url: str, tokens: list[str], queries: list[str | dict[str, Any]], seed: int,
               refine_share: float) -> tuple[list[Planned], dict[str, int]]:
    """Ask each query once (warming the server up) and turn the answers into the request mix."""
    rng = random.Random(seed)
    plan: list[Planned] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    todo: queue.Queue[str | dict[str, Any] | None] = queue.Queue()
    for q in queries:
        todo.put(q)

    def worker(index: int) -> None:
        client = Client(url, tokens[index % len(tokens)])
        local = random.Random(seed + index)
        while True:
            try:
                q = todo.get_nowait()
            except queue.Empty:
                return
            status, data = search(client,
                                  json.dumps({"query": q,
                                              "session_id": f"{SESSION_PREFIX}warm"}).encode())
            if status != 200:
                with lock:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                continue
            answer = json.loads(data)
            session = f"{SESSION_PREFIX}{local.randrange(100)}"
            items = [Planned(json.dumps({"query": q, "page": page_of(local),
                                         "session_id": session}).encode(),
                             "structured" if isinstance(q, dict) else "text")]
            if local.random() < refine_share:
                refined = refinement(q, answer, local)
                if refined is not None:
                    body = {"query": refined, "page": page_of(local), "session_id": session}
                    items.append(Planned(json.dumps(body).encode(), "refined"))
            with lock:
                plan.extend(items)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    rng.shuffle(plan)
    return plan, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="data home (default: TALENT_HOME or ./var)")
    parser.add_argument("--url",
                        help="target a running server instead of starting one (start it with "
                                      "--rate-limit 'search=1000000 per minute')")
    parser.add_argument("--configs", default="2x1",
                        help="server configs WORKERSxTHREADS, comma separated "
                        "(2x1, sync workers, measured best on 2 cores)")
    parser.add_argument("--rates", default="5,10,15,20,25,30,35,40",
                        help="offered searches/s, comma separated")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    parser.add_argument("--queries", type=int, default=400, help="logged searches in the mix")
    parser.add_argument("--refine", type=float, default=0.35,
                        help="share of queries also sent with a facet applied")
    parser.add_argument("--tokens", type=int, default=3,
                        help="recruiters (demo tokens) sending the load")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-going", action="store_true",
                        help="run every rate even after saturation")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out

    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    configs = [tuple(int(x) for x in c.lower().split("x")) for c in args.configs.split(",")
               if c.strip()]
    queries = logged_queries(args.home, args.queries, args.seed)
    tokens = demo_tokens(args.home, args.tokens)
    log_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    print(f"mix: {len(queries)} logged searches ({sum(isinstance(q, dict) for q in queries)} "
          f"structured), {len(tokens)} recruiters; {os.cpu_count()} CPUs; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report: dict[str, Any] = {"target_p99_ms": TARGET_P99_MS, "cpus": os.cpu_count(), "configs": []}
    for workers, threads in (configs if not args.url else [(0, 0)]):
        server = None
        url = args.url
        label = "external server" if args.url else f"{workers} workers x {threads} threads"
        if not args.url:
            server = start_server(args.home, workers, threads, log_dir)
            url = server.url
        assert url is not None
        try:
            t0 = time.perf_counter()
            plan, warm_errors = build_plan(url, tokens, queries, args.seed, args.refine)
            kinds = {k: sum(p.kind == k for p in plan) for k in ("text", "structured", "refined")}
            print(f"\n== {label}: warm-up {time.perf_counter() - t0:.1f} s, {len(plan)} requests "
                  f"in the mix {kinds}"
                  + (f", warm-up errors {warm_errors}" if warm_errors else ""))
            print(f"{'offered/s':>9} {'sustained/s':>11} {'done':>6} {'err':>4} {'p50 ms':>7} "
                  f"{'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'in-flight':>9} {'CPU: server':>11} "
                  f"{'driver':>6} {'others':>6} {'load1':>5}")
            levels = []
            for i, rate in enumerate(rates):
                level = run_level(url, tokens, plan, rate, args.duration, args.seed + i, server)
                levels.append(level)
                r = level.row()
                print(f"{rate:>9.0f} {r['sustained_per_s']:>11.2f} {r['completed']:>6} "
                      f"{r['errors']:>4} {r['p50_ms']:>7.1f} {r['p90_ms']:>7.1f} "
                      f"{r['p99_ms']:>7.1f} {r['max_ms']:>7.1f} {r['peak_in_flight']:>9} "
                      f"{r['server_cpu_per_s']:>11.2f} {r['driver_cpu_per_s']:>6.2f} "
                      f"{r['other_cpu_per_s']:>6.2f} {r['load1']:>5.2f}"
                      + ("" if level.ok else "  (p99 over target or not sustained)"), flush=True)
                saturated = level.pct(99) > 5 * TARGET_P99_MS or level.sustained < 0.8 * rate
                if saturated and not args.keep_going:
                    break
                time.sleep(2)
            best = max((lv.offered for lv in levels if lv.ok), default=None)
            print(f"highest offered rate with p99 < {TARGET_P99_MS:.0f} ms: "
                  + (f"{best:.0f} searches/s" if best is not None else "none of the levels"))
            report["configs"].append({"workers": workers, "threads": threads, "best_rate": best,
                                      "levels": [lv.row() for lv in levels], "mix": kinds})
        finally:
            if server is not None:
                server.stop()
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
