"""Run `talent` subcommands side by side as child processes, each in a fresh interpreter.

``talent serve --with-updater`` (and so ``talent demo``) runs the web server and
``talent index update --follow`` this way: the server is the main child (when it exits, everything
stops with its exit code); the updater is restarted when it dies, with a growing pause. SIGTERM or
Ctrl-C stops every child (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from talent.settings import Settings

RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Seconds before restarting a child that died (the last one repeats)."""
HEALTHY_AFTER = 60.0
"""A child that ran this long before dying is restarted after the first pause again."""
STOP_GRACE = 15.0


def settings_env(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment that gives a child process exactly ``settings`` (as ``TALENT_*`` variables,
    so options given on the parent's command line or in its config file reach the child too)."""
    env = dict(os.environ if base is None else base)
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"TALENT_{name.upper()}"] = str(value)
    return env


def talent_command(*args: str) -> list[str]:
    """``talent ARGS`` run by this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-m", "talent.cli", *args]


@dataclass
class Child:
    """One supervised command: the main one ends the supervision, the others are restarted."""

    name: str
    argv: list[str]
    main: bool = False
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    exit_codes: list[int] = field(default_factory=list)


class Supervisor:
    """Starts the children, restarts the side ones, stops them all when the main one exits."""

    def __init__(self, children: Sequence[Child], env: Mapping[str, str],
                 echo: Callable[[str], None],
                 poll_interval: float = 0.2):
        if sum(c.main for c in children) != 1:
            raise ValueError("exactly one child must be the main one")
        self.children = list(children)
        self.env = dict(env)
        self.echo = echo
        self.poll_interval = poll_interval
        self._stopping = False

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, env=self.env)
        child.started_at = time.monotonic()
        child.restart_at = None
        self.echo(f"started {child.name} (pid {child.process.pid})")

    def _on_exit(self, child: Child, code: int) -> None:
        child.exit_codes.append(code)
        child.process = None
        if time.monotonic() - child.started_at >= HEALTHY_AFTER:
            child.failures = 0
        pause = RESTART_PAUSES[min(child.failures, len(RESTART_PAUSES) - 1)]
        child.failures += 1
        child.restart_at = time.monotonic() + pause
        self.echo(f"{child.name} exited with code {code}; restarting in {pause:g} s")

    def _terminate(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> int:
        """Supervise until the main child exits or SIGTERM/Ctrl-C; returns the main child's exit
        code."""
        previous = signal.signal(signal.SIGTERM, self._terminate)
        main = next(c for c in self.children if c.main)
        code = 0
        try:
            for child in self.children:
                self._start(child)
            while not self._stopping:
                now = time.monotonic()
                for child in self.children:
                    if child.process is None:
                        if child.restart_at is not None and now >= child.restart_at:
                            self._start(child)
                        continue
                    exit_code = child.process.poll()
                    if exit_code is None:
                        continue
                    if child is main:
                        code = exit_code
                        self._stopping = True
                        main.process = None
                        break
                    self._on_exit(child, exit_code)
                time.sleep(self.poll_interval)
        except KeyboardInterrupt:
            code = 130
        finally:
            self.stop()
            signal.signal(signal.SIGTERM, previous)
        return code

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM every running child, SIGKILL those still running after ``grace`` seconds."""
        running = [c.process for c in self.children if c.process is not None]
        for process in running:
            _signal(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL)
                process.wait()
        for child in self.children:
            child.process = None


def _signal(process: subprocess.Popen[Any], signum: int) -> None:
    if process.poll() is None:
        try:
            process.send_signal(signum)
        except ProcessLookupError:
            pass
