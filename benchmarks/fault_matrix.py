"""Fault matrix: what a recruiter sees from a running server while something breaks, and how long
it takes to recover once the fault is gone.

Usage::

    .venv/bin/python benchmarks/fault_matrix.py --home var/demo \\
        --work var/faults --out var/faults/matrix.json

``--home`` is a data home with a world, an index and an L1 model (``talent demo --no-serve``); it
is copied under ``--work`` (never changed). Each fault runs against a fresh ``talent serve`` (2
sync workers, search limit raised) on a free localhost port while one client searches the API back
to back (logged queries as a demo recruiter): ``--before`` seconds healthy, ``--during`` seconds
with the fault, then the fault is removed and the client keeps searching until an answer is
healthy again (200, not partial, no degraded stage) or ``--recover`` seconds pass.

Faults: a partition that raises; a partition that hangs past its deadline (fault injection through
``TALENT_FAULT_FILE``, :mod:`talent.faults`); a partition's files deleted mid-query; Redis (the
rate limits' store) unreachable; the database down (a corrupt SQLite file; PostgreSQL unreachable,
cut through a TCP proxy, on the small test world); a truncated L1 model file; the disk full during
``talent index build`` (a tmpfs of a few MB, needs root). Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from api_load import Client, demo_tokens, free_port, logged_queries
from tcp_proxy import TcpProxy

REPO = Path(__file__).resolve().parents[1]


def talent(*args: str) -> list[str]:
    return [sys.executable, "-m", "talent.cli", *args]


# --- a server and a client that keeps searching -------------------------------------------------
class Server:
    def __init__(self, home: Path, log: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, "TALENT_HOME": str(home), "TALENT_LOG_LEVEL": "WARNING", **env}
        self.started = time.monotonic()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                talent("serve", "--port", str(self.port), "--workers", "2", "--rate-limit",
                       "search=1000000 per minute"), stdout=out, stderr=subprocess.STDOUT,
                env=self.env, start_new_session=True)

    def wait_ready(self, token: str, timeout: float = 120) -> float:
        while time.monotonic() - self.started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited {self.process.returncode}; see {self.log}")
            try:
                status, _ = Client(self.url, token).post(
                    "/api/v1/search", b'{"query": "manager", "facets": false}')
                if status in (200, 503):
                    return time.monotonic() - self.started
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.3)
        raise SystemExit(f"server not answering after {timeout} s; see {self.log}")

    def master_pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Answer:
    t: float
    status: int
    ms: float
    partial: bool = False
    degraded: str = ""
    ranker: str = ""
    message: str = ""
    retry_after: str = ""

    @property
    def healthy(self) -> bool:
        return self.status == 200 and not self.partial and not self.degraded


class Prober:
    """One client searching back to back in a thread, recording every answer."""

    def __init__(self, url: str, token: str, queries: list[Any]):
        self.client = Client(url, token)
        self.queries = queries
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.t0 = time.monotonic()

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            body = json.dumps({"query": self.queries[i % len(self.queries)], "facets": False})
            i += 1
            start = time.monotonic()
            try:
                status, data, headers = self._post(body.encode())
            except (OSError, http.client.HTTPException) as exc:
                self.answers.append(Answer(start - self.t0, 0, (time.monotonic() - start) * 1e3,
                                           message=f"connection: {exc}"))
                time.sleep(0.1)
                continue
            ms = (time.monotonic() - start) * 1e3
            answer = Answer(start - self.t0, status, ms,
                            retry_after=headers.get("Retry-After", "") if status != 200 else "")
            try:
                payload = json.loads(data)
            except ValueError:
                payload = {}
            if status == 200:
                answer.partial = bool(payload.get("partial"))
                answer.ranker = str(payload.get("ranker", ""))
                answer.degraded = "; ".join(s["detail"] for s in payload.get("stages", [])
                                            if s.get("status") == "ran" and s.get("detail"))
            else:
                answer.message = str((payload.get("error") or {}).get("message", data[:200]))
            self.answers.append(answer)
            time.sleep(0.05)

    def _post(self, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        conn = self.client
        for attempt in (0, 1):
            if conn.conn is None:
                conn.conn = http.client.HTTPConnection(conn.host, conn.port, timeout=30)
            try:
                conn.conn.request("POST", "/api/v1/search", body=body, headers=conn.headers)
                response = conn.conn.getresponse()
                data = response.read()
                headers = dict(response.getheaders())
                if response.will_close:
                    conn.conn.close()
                    conn.conn = None
                return response.status, data, headers
            except (OSError, http.client.HTTPException):
                if conn.conn is not None:
                    conn.conn.close()
                conn.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def mark(self) -> float:
        return time.monotonic() - self.t0

    def wait_healthy(self, since: float, timeout: float) -> float | None:
        """Seconds after ``since`` until the first healthy answer started after it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for a in list(self.answers):
                if a.t >= since and a.healthy:
                    return a.t - since
            time.sleep(0.05)
        return None


@dataclass
class Row:
    fault: str
    statuses: dict[str, int]
    partial: int
    degraded: int
    sample: str
    p50_ms: float
    max_ms: float
    recovery_s: float | None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def summarize(fault: str, answers: list[Answer], start: float, end: float,
              recovery: float | None, note: str = "", **extra: Any) -> Row:
    during = [a for a in answers if start <= a.t < end]
    statuses = Counter(str(a.status) for a in during)
    sample = next((a.message or a.degraded for a in during if a.message or a.degraded), "")
    if not sample and any(a.partial for a in during):
        sample = "partial: true (partitions_answered leaves the shard out)"
    ms = sorted(a.ms for a in during) or [0.0]
    retry = next((a.retry_after for a in during if a.retry_after), "")
    if retry:
        extra["retry_after"] = retry
    return Row(fault, dict(statuses), sum(a.partial for a in during),
               sum(bool(a.degraded) for a in during), sample[:160], round(ms[len(ms) // 2], 1),
               round(ms[-1], 1), None if recovery is None else round(recovery, 2), note, extra)


# --- the faults -----------------------------------------------------------------------------------
@dataclass
class Bench:
    home: Path
    work: Path
    token: str
    queries: list[Any]
    before: float
    during: float
    recover: float
    rows: list[Row] = field(default_factory=list)

    def serve(self, name: str, home: Path | None = None, **env: str) -> Server:
        server = Server(home or self.home, self.work / f"{name}.log", **env)
        server.wait_ready(self.token)
        return server

    def run(self, name: str, server: Server, apply: Any, remove: Any, note: str = "",
            healthy_after: bool = True) -> None:
        with Prober(server.url, self.token, self.queries) as probe:
            time.sleep(self.before)
            start = probe.mark()
            apply()
            time.sleep(self.during)
            end = probe.mark()
            remove()
            recovery = probe.wait_healthy(end, self.recover) if healthy_after else None
            time.sleep(0.5)
        row = summarize(name, probe.answers, start, end, recovery, note)
        self.rows.append(row)
        print(json.dumps(asdict(row)), flush=True)


def partition_faults(b: Bench) -> None:
    fault_file = b.work / "faults.json"
    fault_file.write_text("{}")
    server = b.serve("partition", TALENT_FAULT_FILE=str(fault_file))
    try:
        def set_fault(spec: dict[str, Any]) -> Any:
            return lambda: fault_file.write_text(json.dumps({"partition": spec}))

        clear = set_fault({})
        b.run("a partition raises (shard 1 of 4)", server,
              set_fault({"shard": 1, "raise": "disk read failed"}), clear)
        b.run("a partition hangs past its 2 s deadline (shard 1)", server,
              set_fault({"shard": 1, "sleep": 5.0}), clear)
    finally:
        server.stop()


def lost_files(b: Bench) -> None:
    from index.versions import VersionStore

    server = b.serve("lost-files")
    store = VersionStore(b.home / "index")
    shard = VersionStore.shard_dir(store.path(store.current() or ""), 2)
    aside = shard.with_name(shard.name + ".lost")
    try:
        b.run("a partition's files deleted mid-query (shard 2)", server,
              lambda: shard.rename(aside), lambda: aside.rename(shard),
              note="the open index keeps its memory maps: searches go on; reloads fail and are "
                   "logged until the files are back")
    finally:
        if aside.exists():
            aside.rename(shard)
        server.stop()


def redis_down(b: Bench) -> None:
    proxy = TcpProxy("127.0.0.1", 6379)
    proxy.restore()
    server = b.serve("redis", TALENT_CACHE_URL=f"redis://127.0.0.1:{proxy.port}/0")
    try:
        b.run("Redis (rate-limit store) unreachable", server, proxy.cut, proxy.restore)
        text = server.log_text()
        b.rows[-1].extra["log"] = {
            "warnings": text.count("falling back to in-memory storage"),
            "recovered": text.count("Rate limit storage recovered"),
            "tracebacks": text.count("Traceback")}
        b.rows[-1].note = (f"limits counted per worker meanwhile; "
                           f"{b.rows[-1].extra['log']['warnings']} warning line(s) per worker "
                           "that noticed, no tracebacks")
    finally:
        server.stop()
        proxy.cut()


def sqlite_down(b: Bench) -> None:
    """The server meets a corrupt database file: the good file (and its -wal, -shm) is moved
    aside and garbage put in its place before the server starts; restoring moves it back."""
    files = [b.home / n for n in ("talent.db", "talent.db-wal", "talent.db-shm")]
    aside = [f.with_name(f.name + ".good") for f in files]

    def corrupt() -> None:
        for f, a in zip(files, aside, strict=True):
            if f.exists():
                f.rename(a)
        files[0].write_bytes(os.urandom(64 * 1024))

    def restore() -> None:
        if not aside[0].exists():  # already restored
            return
        for f, a in zip(files, aside, strict=True):
            f.unlink(missing_ok=True)
            if a.exists():
                a.rename(f)

    corrupt()
    try:
        server = Server(b.home, b.work / "sqlite.log")
        started = server.wait_ready(b.token)
        try:
            with Prober(server.url, b.token, b.queries) as probe:
                time.sleep(b.during)
                end = probe.mark()
                restore()
                recovery = probe.wait_healthy(end, b.recover)
            row = summarize("database down: the SQLite file corrupt", probe.answers, 0, end,
                            recovery, note=f"the server started in {started:.1f} s on the "
                                           "corrupt file; recovery = the good file moved back, "
                                           "no restart")
            b.rows.append(row)
            print(json.dumps(asdict(row)), flush=True)
        finally:
            server.stop()
    finally:
        restore()


def postgres_down(b: Bench, pg_url: str) -> None:
    import sqlalchemy as sa

    parts = urlsplit(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = "faults_" + os.urandom(4).hex()
    admin = sa.create_engine(parts.geturl())
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxy.restore()
    netloc = parts.netloc.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")
    url = parts._replace(netloc=netloc).geturl() + f"?options=-csearch_path%3D{schema}"
    home = b.work / "pg-home"
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "TALENT_HOME": str(home), "TALENT_DATABASE_URL": url,
           "TALENT_LOG_LEVEL": "WARNING"}
    try:
        for step in (("db", "upgrade"), ("world", "generate", "test"), ("index", "build")):
            subprocess.run(talent(*step), env=env, check=True, capture_output=True)
        token = demo_tokens_for(env)
        saved = b.token
        b.token = token
        server = Server(home, b.work / "postgres.log", TALENT_DATABASE_URL=url)
        server.wait_ready(token)
        try:
            b.run("database down: PostgreSQL unreachable (test world)", server, proxy.cut,
                  proxy.restore, note="connections cut and refused by a TCP proxy; no restart")
        finally:
            server.stop()
            b.token = saved
    finally:
        proxy.cut()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def demo_tokens_for(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", (
        "from talent.settings import load_settings; from talent.storage.db import Database;"
        "from webapp.accounts import ensure_demo_accounts;"
        "print(ensure_demo_accounts(Database.from_settings(load_settings()), count=1,"
        " echo=None)[0].token)")], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def corrupt_model(b: Bench) -> None:
    root = b.home / "models" / "l1"
    current = (root / "CURRENT").read_text().strip()
    model = next(p for p in (root / current).iterdir() if p.name.startswith("model."))
    good = model.read_bytes()
    previous = root / "20000101-000000-000000"  # an earlier version to fall back to
    shutil.copytree(root / current, previous, dirs_exist_ok=True)
    try:
        for label, keep_previous in (("previous model kept", True), ("no other model", False)):
            if not keep_previous:
                shutil.rmtree(previous, ignore_errors=True)
            model.write_bytes(good[: len(good) // 2])
            server = Server(b.home, b.work / f"model-{keep_previous}.log")
            started = server.wait_ready(b.token)
            try:
                def restore_and_reload(srv: Server = server) -> None:
                    model.write_bytes(good)
                    os.kill(srv.master_pid(), signal.SIGHUP)  # gunicorn: new workers

                with Prober(server.url, b.token, b.queries) as probe:
                    time.sleep(b.during)
                    end = probe.mark()
                    restore_and_reload()
                    recovery = probe.wait_healthy(end, b.recover)
                row = summarize(f"L1 model file truncated ({label})", probe.answers, 0, end,
                                recovery, note=f"server started in {started:.1f} s; recovery = "
                                               "file restored + SIGHUP (workers reload)")
                row.extra["rankers"] = dict(Counter(a.ranker for a in probe.answers))
                b.rows.append(row)
                print(json.dumps(asdict(row)), flush=True)
            finally:
                server.stop()
    finally:
        model.write_bytes(good)
        shutil.rmtree(previous, ignore_errors=True)


def disk_full(b: Bench) -> None:
    from index.versions import VersionStore

    mount = b.work / "tiny"
    mount.mkdir(exist_ok=True)
    store = VersionStore(b.home / "index")
    current = store.current() or ""
    size = sum(p.stat().st_size for p in store.path(current).rglob("*") if p.is_file())
    limit_mb = size // 2**20 + 6  # room for the serving version and a few MB more
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={limit_mb}m", "tmpfs", str(mount)],
                   check=True)
    home = b.work / "disk-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    try:
        index = mount / "index"
        (index / "versions").mkdir(parents=True)
        shutil.copytree(store.path(current), index / "versions" / current, symlinks=True)
        shutil.copy(b.home / "index" / "CURRENT", index / "CURRENT")
        (home / "index").symlink_to(index)
        for name in ("models", "worlds", "flask_secret_key"):
            (home / name).symlink_to(b.home / name)
        with sqlite3.connect(b.home / "talent.db") as a, sqlite3.connect(home / "talent.db") as c:
            a.backup(c)  # its own database: SQLite's -wal and -shm live beside the file
        server = Server(home, b.work / "disk.log")
        server.wait_ready(b.token)
        build: dict[str, Any] = {}
        try:
            def run_build() -> None:
                env = {**os.environ, "TALENT_HOME": str(home), "TALENT_LOG_LEVEL": "WARNING"}
                t = time.monotonic()
                done = subprocess.run(talent("index", "build"), env=env, capture_output=True,
                                      text=True)
                build.update(exit=done.returncode, seconds=round(time.monotonic() - t, 1),
                             message=(done.stderr.strip().splitlines() or [""])[-1][:200])

            b.run(f"disk full during `talent index build` ({limit_mb} MB tmpfs)", server,
                  run_build, lambda: None)
            after = VersionStore(index)
            b.rows[-1].extra.update(build=build, current_after=after.current() == current,
                                    failed_version_files=[
                                        sorted(p.name for p in after.path(v.name).iterdir())
                                        for v in after.list() if v.state == "failed"],
                                    versions=[(v.name, v.state) for v in after.list()],
                                    free_mb=round(shutil.disk_usage(mount).free / 2**20, 1))
            b.rows[-1].note = (f"build exit {build.get('exit')} in {build.get('seconds')} s: "
                               f"{build.get('message')}; CURRENT unchanged: "
                               f"{after.current() == current}; the failed version's partial data "
                               f"deleted ({b.rows[-1].extra['free_mb']} MB free after)")
        finally:
            server.stop()
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def markdown(rows: list[Row]) -> str:
    lines = ["| fault | answers while it lasts | what the user sees | recovery after it ends |",
             "|---|---|---|---|"]
    for r in rows:
        statuses = ", ".join(f"{n}x {s}" for s, n in sorted(r.statuses.items()))
        flags = []
        if r.partial:
            flags.append(f"{r.partial} partial")
        if r.degraded:
            flags.append(f"{r.degraded} degraded")
        seen = (f"{'; '.join(flags) + ': ' if flags else ''}{r.sample}".strip()
                or "normal results.")
        if r.extra.get("retry_after"):
            seen += f" (Retry-After: {r.extra['retry_after']})"
        if not r.sample and not flags and set(r.statuses) == {"200"}:
            recovery = "no outage"
        elif r.recovery_s is None:
            recovery = "not within the window"
        else:
            recovery = f"{r.recovery_s} s"
        note = f" {r.note}" if r.note else ""
        lines.append(f"| {r.fault} | {statuses}; p50 {r.p50_ms} ms, max {r.max_ms} ms | {seen}"
                     f"{note} | {recovery} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--work", default="var/faults")
    parser.add_argument("--out")
    parser.add_argument("--pg-url", default=os.environ.get(
        "TALENT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--before", type=float, default=3)
    parser.add_argument("--during", type=float, default=8)
    parser.add_argument("--recover", type=float, default=60)
    parser.add_argument("--only", nargs="*", help="fault names to run (default all)")
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    home = work / "home"
    shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("talent.db*", "*.log"))
    source = Path(args.home) / "talent.db"
    with sqlite3.connect(source) as a, sqlite3.connect(home / "talent.db") as c:
        a.backup(c)
    token = demo_tokens(str(home), 1)[0]
    bench = Bench(home, work, token, logged_queries(str(home), 200, seed=3), args.before,
                  args.during, args.recover)
    faults = {"partition": partition_faults, "lost-files": lost_files, "redis": redis_down,
              "sqlite": sqlite_down, "postgres": lambda b: postgres_down(b, args.pg_url),
              "model": corrupt_model, "disk": disk_full}
    for name, run in faults.items():
        if args.only and name not in args.only:
            continue
        print(f"--- {name}", flush=True)
        run(bench)
    table = markdown(bench.rows)
    print(table)
    if args.out:
        Path(args.out).write_text(json.dumps([asdict(r) for r in bench.rows], indent=2))


if __name__ == "__main__":
    main()
