"""Benchmark: review mode through the JSON API, served by gunicorn workers sharing Redis.

Usage::

    .venv/bin/python benchmarks/review_latency.py --home var/demo --sessions 30

Starts ``talent serve --workers N`` on a free port with ``TALENT_CACHE_URL`` pointing at Redis
(review sessions live there: any worker serves any step), signs in with a demo account's API
token (``talent demo`` creates them) and, for jobs of that contract, starts a review session
(``POST /review/sessions``) and takes ``--steps`` steps: ``POST .../feedback`` with a verdict,
which returns the next candidate (one step = feedback to next candidate). Prints p50/p90/p99 of
a step and of a session start, over keep-alive HTTP from one client.

Then two clients on one session at once (two tabs, landing on either worker): each draws its own
candidates (``POST .../next``) and sends verdicts; the session must count every verdict sent
(a lost update would show as fewer). Not a timed test: prints figures only (``--json``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One keep-alive connection to the API with a bearer token."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        payload = None if body is None else json.dumps(body).encode()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, "/api/v1" + path, body=payload, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            ms = (time.perf_counter() - t0) * 1e3
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, json.loads(data) if data else None, ms
        raise RuntimeError("unreachable")


def serve(home: Path, port: int, workers: int, redis_url: str, log: Path,
          pool_size: int | None = None) -> subprocess.Popen:
    # no TALENT_* setting of the caller's but the taxonomy's location (the default,
    # ../shared/data/taxonomy, is relative to the working directory: a git worktree has none)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TALENT_") or k == "TALENT_TAXONOMY_DIR"}
    env.update(TALENT_HOME=str(home), TALENT_CACHE_URL=redis_url, TALENT_LOG_LEVEL="WARNING")
    if pool_size is not None:
        env["TALENT_REVIEW_POOL_SIZE"] = str(pool_size)
    args = [sys.executable, "-m", "talent.cli", "serve", "--port", str(port), "--workers",
            str(workers), "--rate-limit", "search=100000 per minute", "--rate-limit",
            "profile=100000 per minute"]
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True, cwd=REPO)
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer in 120 s: see {log}")


def stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def percentiles(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    if not a.size:
        return {}
    return {"n": int(a.size), "p50": float(np.percentile(a, 50)),
            "p90": float(np.percentile(a, 90)), "p99": float(np.percentile(a, 99)),
            "mean": float(a.mean())}


def redis_floor(url: str, n: int) -> dict[str, float]:
    """Percentiles of one Redis GET round trip (a step makes three: expire, get, CAS)."""
    import redis

    client = redis.Redis.from_url(url)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get("talent:review-latency-floor")
        times.append((time.perf_counter() - t0) * 1e3)
    client.close()
    return percentiles(times)


def two_tabs(port: int, token: str, session_id: str, per_tab: int) -> dict[str, Any]:
    """Two clients on one session at once (landing on either worker): every verdict they send
    must be counted."""
    sent = [0, 0]
    errors: list[str] = []
    barrier = threading.Barrier(2)
    _, before, _ = Client(port, token).call("GET", f"/review/sessions/{session_id}")

    def tab(i: int) -> None:
        client = Client(port, token)
        barrier.wait()
        for _ in range(per_tab):
            status, body, _ = client.call("POST", f"/review/sessions/{session_id}/next")
            if status != 200 or body["candidate"] is None:
                errors.append(f"next: {status}")
                return
            member = body["candidate"]["member_id"]
            status, body, _ = client.call("POST", f"/review/sessions/{session_id}/feedback",
                                          {"member_id": member, "verdict": "not_fit"})
            if status != 200:
                errors.append(f"feedback: {status} {body}")
                return
            sent[i] += 1

    threads = [threading.Thread(target=tab, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _, session, _ = Client(port, token).call("GET", f"/review/sessions/{session_id}")
    counted = sum(session["counts"].values()) - sum(before["counts"].values())
    return {"sent": sum(sent), "counted": counted, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("TALENT_HOME", "var")))
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2)
    # database 1: what the served home writes there (review sessions, L2's warmed counters)
    # never meets the test suite's database 0
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--token", default="tlnt_demo_1",
                        help="A demo account's API token (`talent demo` prints them).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--floor", type=int, default=2000,
                        help="Redis GET round trips timed in the same run (the floor of a step).")
    parser.add_argument("--pool-size", type=int, default=None,
                        help="The server's TALENT_REVIEW_POOL_SIZE (default: the setting's "
                             "default; of the caller's TALENT_* the server keeps only "
                             "TALENT_TAXONOMY_DIR).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    port = free_port()
    log = args.home / "review-latency-server.log"
    process = serve(args.home, port, args.workers, args.redis, log, args.pool_size)
    rng = np.random.default_rng(args.seed)
    starts: list[float] = []
    steps: list[float] = []
    pools: list[float] = []
    try:
        client = Client(port, args.token)
        status, jobs, _ = client.call("GET", "/jobs")
        if status != 200:
            raise SystemExit(f"GET /jobs answered {status}: is {args.token!r} a demo token?")
        jobs = [j["id"] for j in jobs["jobs"]]
        client.call("POST", "/review/sessions", {"project_id": jobs[0]})  # warm both caches
        last_session = None
        refused: list[Any] = []
        for n in range(args.sessions):
            status, body, ms = client.call("POST", "/review/sessions",
                                           {"project_id": jobs[n % len(jobs)]})
            if status != 201:
                refused.append({"project_id": jobs[n % len(jobs)], "status": status, "body": body})
                continue
            starts.append(ms)
            pools.append(float(body["session"]["pool_size"]))
            last_session = body["session"]["session_id"]
            candidate = body["candidate"]
            for _ in range(args.steps - 1):
                if candidate is None:
                    break
                verdict = "good_fit" if rng.random() < 0.35 else "not_fit"
                status, body, ms = client.call(
                    "POST", f"/review/sessions/{last_session}/feedback",
                    {"member_id": candidate["member_id"], "verdict": verdict})
                if status != 200:
                    raise SystemExit(f"feedback answered {status}: {body}")
                steps.append(ms)
                candidate = body["candidate"]
        if not starts:
            raise SystemExit(f"no review session started: {refused[:3]}")
        status, fresh, _ = client.call("POST", "/review/sessions", {"project_id": jobs[0]})
        tabs = (two_tabs(port, args.token, fresh["session"]["session_id"], 10) if status == 201
                else {"error": status})
    finally:
        stop(process)
    out = {"home": str(args.home), "workers": args.workers, "cache": args.redis,
           "pool_size": args.pool_size,
           "redis_get_ms": redis_floor(args.redis, args.floor), "load_average": os.getloadavg(),
           "sessions": len(starts), "refused": len(refused), "start_ms": percentiles(starts),
           "step_ms": percentiles(steps), "pool": percentiles(pools),
           "two_tabs": tabs}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{out['sessions']} sessions, {args.workers} gunicorn workers, cache {args.redis}, "
              f"pool size {args.pool_size or 'default'}")
        for name in ("start_ms", "step_ms", "pool"):
            p = out[name]
            print(f"{name:<9} n={p['n']:>5}  p50 {p['p50']:7.1f}  p90 {p['p90']:7.1f}  "
                  f"p99 {p['p99']:7.1f}  mean {p['mean']:7.1f}")
        f = out["redis_get_ms"]
        print(f"redis GET n={f['n']}  p50 {f['p50']:.2f}  p99 {f['p99']:.2f} ms; load average "
              f"{out['load_average'][0]:.1f}")
        print(f"two tabs on one session: {tabs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
