"""Fault injection for the fault matrix (``benchmarks/fault_matrix.py``); off unless the process
was started with ``TALENT_FAULT_FILE`` naming a JSON file.

The file maps an injection point to what happens there, and may change while the server runs
(it is re-read when its modification time changes)::

    {"partition": {"shard": 1, "raise": "disk read failed"}}   # that shard's search raises
    {"partition": {"shard": 1, "sleep": 5.0}}                  # ... or hangs for 5 s

Points: ``partition`` (one partition's search, :func:`index.l1.scoring.score_partition`).
Without the variable :func:`inject` returns at once (one global read).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

_FILE = os.environ.get("TALENT_FAULT_FILE") or None
_lock = threading.Lock()
_cache: tuple[float, dict[str, Any]] = (-1.0, {})


class InjectedFault(RuntimeError):
    """The failure a fault file asked for."""


def _faults() -> dict[str, Any]:
    global _cache
    assert _FILE is not None
    try:
        stamp = Path(_FILE).stat().st_mtime
    except FileNotFoundError:
        return {}
    with _lock:
        if stamp != _cache[0]:
            try:
                _cache = (stamp, json.loads(Path(_FILE).read_text(encoding="utf-8") or "{}"))
            except ValueError:
                _cache = (stamp, {})
        return _cache[1]


def inject(point: str, **labels: Any) -> None:
    """Raise or sleep at ``point`` when the fault file says so for these ``labels``."""
    if _FILE is None:
        return
    spec = _faults().get(point)
    if not spec or any(k in spec and spec[k] != v for k, v in labels.items()):
        return
    if spec.get("sleep"):
        time.sleep(float(spec["sleep"]))
    if spec.get("raise"):
        raise InjectedFault(str(spec["raise"]))
