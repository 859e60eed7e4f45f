"""Test support: run `talent` commands as real processes and talk HTTP to a running server."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def talent_env(**settings: Any) -> dict[str, str]:
    """This environment without the caller's TALENT_* settings, plus ``settings`` as TALENT_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")
           or k.startswith("TALENT_TEST_")}
    env.update({f"TALENT_{k.upper()}": str(v) for k, v in settings.items()})
    env.setdefault("TALENT_LOG_LEVEL", "WARNING")
    return env


def start_talent(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m talent.cli ARGS`` in a new session (so it and its children can be stopped
    together)."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "talent.cli", *args], stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop_group(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM the process's session, SIGKILL what is left after ``timeout``."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


class Api:
    """One keep-alive connection to the JSON API as a recruiter (bearer token)."""

    def __init__(self, port: int, token: str, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def search(self, query: str | dict[str, Any], **body: Any) -> tuple[int, dict[str, Any]]:
        payload = json.dumps({"query": query, "facets": False, **body}).encode()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", "/api/v1/search", body=payload, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, json.loads(data) if data else {}

    def members_found(self, query: str) -> list[int]:
        status, data = self.search(query)
        assert status == 200, (status, data)
        return [int(r["member_id"]) for r in data["results"]]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def wait_until_serving(port: int, process: subprocess.Popen[bytes], log: Path,
                       timeout: float) -> float:
    """Seconds until GET /api/v1/openapi.json answers 200 (fails if the process exits or time runs
    out)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise AssertionError("server exited with "
                                 f"{process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port} within {timeout} "
                         f"s:\n{log.read_text()[-3000:]}")


def wait_for(condition: Any, timeout: float, interval: float = 0.05) -> float:
    """Poll ``condition()`` until true; seconds taken (AssertionError after ``timeout``)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - start


# --- processes (Linux /proc) ----------------------------------------------------------------------
def cmdline(pid: int) -> str:
    """The command line of a live process, "" once it has gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def listener(port: int) -> int:
    """The pid that opened the socket listening on ``port`` (the one whose parent does not hold it:
    a pre-forking server's master, not the workers that inherited it)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    holders = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            holders.add(int(entry.name))
    masters = [pid for pid in holders if parent(pid) not in holders]
    assert len(masters) == 1, f"port {port}: listening processes {sorted(holders)}"
    return masters[0]
