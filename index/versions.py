"""Index versions on disk: manifests, the serving pointer, failed builds, rollback and gc.

Layout under ``settings.index_dir``::

    CURRENT                      name of the serving version (replaced atomically)
    versions/<version>/
        manifest.json            written last by a successful build
        BUILDING                 pid and host of the build in progress (removed when done)
        FAILED                   why the build failed (a version without manifest = failed)
        vocab.json               taxonomy id -> int code, shared by all shards
        vocab-extra.json         codes added by live updates
        applied_position         last outbox id applied to this version
        outbox_gaps.json         (PostgreSQL) lower outbox ids not committed yet, re-checked for
                                 a while
        shard-<i>/tantivy/       the Tantivy index of shard i
        shard-<i>/forward/       base forward store (.npy, memory-mapped)
        shard-<i>/forward-delta/ live-update deltas (.npz)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from index.vocab import write_json_atomic
from talent.errors import IndexUnavailable, NotFound

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
BUILDING = "BUILDING"
FAILED = "FAILED"
APPLIED = "applied_position"
GAPS = "outbox_gaps.json"

State = Literal["ready", "building", "failed"]


@dataclass
class Manifest:
    """What a finished build wrote: enough to check and describe a version."""

    version: str
    format: int
    schema_hash: str
    shard_count: int
    member_count: int
    shard_members: list[int]
    snapshot_time: str
    outbox_position: int
    replayed_changes: int
    build_seconds: float
    created_at: str
    tantivy_version: str
    vocab_sizes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_file(cls, path: Path) -> Manifest:
        """Read and validate a manifest; problems raise ``IndexUnavailable`` naming the file."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexUnavailable(f"index manifest {path} is missing: the build did not finish; "
                                   "run `talent index build` or `talent index rollback`") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise IndexUnavailable(f"index manifest {path} is corrupt ({exc}); run `talent index "
                                   "build` or `talent index rollback`") from exc
        if not isinstance(data, dict):
            raise IndexUnavailable(f"index manifest {path} is corrupt (not a JSON object)")
        names = set(cls.__dataclass_fields__)
        missing = sorted(n for n in names if n not in data and n != "vocab_sizes")
        if missing:
            raise IndexUnavailable(f"index manifest {path} is corrupt (missing "
                                   f"{', '.join(missing)}); run `talent index build`")
        try:
            manifest = cls(**{k: v for k, v in data.items() if k in names})
        except TypeError as exc:  # pragma: no cover - guarded by the checks above
            raise IndexUnavailable(f"index manifest {path} is corrupt ({exc})") from exc
        if manifest.shard_count < 1 or len(manifest.shard_members) != manifest.shard_count:
            raise IndexUnavailable(f"index manifest {path} is corrupt (shard_count "
                                   f"{manifest.shard_count} but {len(manifest.shard_members)} "
                                   "shard sizes)")
        return manifest


@dataclass(frozen=True)
class VersionInfo:
    """One version folder as ``talent index status`` shows it."""

    name: str
    state: State
    is_current: bool
    manifest: Manifest | None
    applied_position: int
    size_bytes: int
    reason: str = ""


def new_version_name(now: dt.datetime | None = None) -> str:
    """A sortable, unique-enough version name: ``YYYYmmdd-HHMMSS-micro``."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%d-%H%M%S}-{now.microsecond:06d}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dir_size(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


class VersionStore:
    """The versions of one index directory and its serving pointer."""

    def __init__(self, index_dir: Path):
        self.root = Path(index_dir)
        self.versions_dir = self.root / "versions"

    # paths ---------------------------------------------------------------------------
    def path(self, version: str) -> Path:
        return self.versions_dir / version

    @staticmethod
    def shard_dir(version_dir: Path, shard: int) -> Path:
        return version_dir / f"shard-{shard}"

    # the serving pointer ---------------------------------------------------------------
    def current(self) -> str | None:
        """The serving version's name, or None when nothing was ever built."""
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def require_current(self) -> tuple[str, Manifest]:
        """The serving version and its manifest, or a clear ``IndexUnavailable``."""
        name = self.current()
        if name is None:
            raise IndexUnavailable(f"no index has been built under {self.root}: run `talent index "
                                   "build`")
        path = self.path(name)
        if not path.is_dir():
            raise IndexUnavailable(f"serving index version {name} ({path}) is missing: run "
                                   "`talent index rollback` or `talent index build`")
        return name, self.read_manifest(name)

    def set_current(self, version: str) -> None:
        """Point serving at ``version`` atomically (a temp file and ``os.replace``)."""
        if self.state(version) != "ready":
            raise IndexUnavailable(f"index version {version} is not complete; it cannot serve")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{CURRENT}.{os.getpid()}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / CURRENT)

    # building --------------------------------------------------------------------------
    def create(self, name: str | None = None) -> tuple[str, Path]:
        """A new version folder marked as being built by this process."""
        name = name or new_version_name()
        path = self.path(name)
        path.mkdir(parents=True, exist_ok=False)
        write_json_atomic(path / BUILDING, {"pid": os.getpid(), "host": socket.gethostname(),
                                            "started": dt.datetime.now(dt.UTC).isoformat()})
        return name, path

    def write_manifest(self, manifest: Manifest) -> None:
        path = self.path(manifest.version)
        write_json_atomic(path / MANIFEST, manifest.to_json())
        (path / BUILDING).unlink(missing_ok=True)

    def mark_failed(self, version: str, reason: str) -> None:
        """Mark an unfinished version failed, its partial data deleted first (a build that ran
        out of disk gives the space back to the serving version's live updates)."""
        path = self.path(version)
        if path.is_dir() and not (path / MANIFEST).exists():
            for child in path.iterdir():
                if child.name in (BUILDING, FAILED):
                    continue
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
            (path / FAILED).write_text(reason.strip() + "\n", encoding="utf-8")
            (path / BUILDING).unlink(missing_ok=True)

    def read_manifest(self, version: str) -> Manifest:
        return Manifest.from_file(self.path(version) / MANIFEST)

    # applied outbox position -----------------------------------------------------------
    def applied_position(self, version: str) -> int:
        try:
            return int((self.path(version) / APPLIED).read_text().strip() or 0)
        except FileNotFoundError:
            return 0
        except ValueError as exc:
            raise IndexUnavailable(f"{self.path(version) / APPLIED} is corrupt: rebuild with "
                                   "`talent index build`") from exc

    def set_applied_position(self, version: str, position: int) -> None:
        path = self.path(version) / APPLIED
        tmp = path.with_name(f".{APPLIED}.{os.getpid()}.tmp")
        tmp.write_text(f"{int(position)}\n")
        os.replace(tmp, path)

    def outbox_gaps(self, version: str) -> dict[int, float]:
        """Outbox ids below the applied position not seen yet (PostgreSQL: a transaction that
        took a lower id may still commit), each with the wall-clock time it was first missed."""
        path = self.path(version) / GAPS
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            return {int(k): float(v) for k, v in payload.get("gaps", {}).items()}
        except FileNotFoundError:
            return {}
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise IndexUnavailable(f"{path} is corrupt: rebuild with `talent index build`") from exc

    def set_outbox_gaps(self, version: str, gaps: dict[int, float]) -> None:
        """Record the open gaps (written before the applied position that depends on them)."""
        path = self.path(version) / GAPS
        if not gaps and not path.exists():
            return
        tmp = path.with_name(f".{GAPS}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"gaps": {str(k): v for k, v in sorted(gaps.items())}}),
                       encoding="utf-8")
        os.replace(tmp, path)

    # listing -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if p.is_dir()
                      and not p.name.startswith("."))

    def state(self, version: str) -> State:
        """``ready`` (has a manifest), ``building`` (its builder is alive) or ``failed``.

        A version whose builder died without a word (SIGKILL, power loss) is marked failed here.
        """
        path = self.path(version)
        if (path / MANIFEST).exists():
            return "ready"
        if (path / FAILED).exists():
            return "failed"
        try:
            info = json.loads((path / BUILDING).read_text(encoding="utf-8"))
            alive = info.get("host") != socket.gethostname() or _pid_alive(int(info["pid"]))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            alive = False
        if alive:
            return "building"
        self.mark_failed(version,
                         "the build stopped before writing its manifest (killed or crashed)")
        return "failed"

    def info(self, version: str) -> VersionInfo:
        state = self.state(version)
        manifest: Manifest | None = None
        reason = ""
        if state == "ready":
            try:
                manifest = self.read_manifest(version)
            except IndexUnavailable as exc:
                state, reason = "failed", str(exc)
        elif state == "failed":
            try:
                reason = (self.path(version) / FAILED).read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                reason = ""
        return VersionInfo(version, state, version == self.current(), manifest,
                           self.applied_position(version) if state == "ready" else 0,
                           dir_size(self.path(version)), reason)

    def list(self) -> list[VersionInfo]:
        return [self.info(v) for v in self.names()]

    # operations ----------------------------------------------------------------------------
    def rollback(self, to: str | None = None) -> str:
        """Serve ``to`` (default: the newest ready version older than the current one)."""
        current = self.current()
        if to is not None:
            if not self.path(to).is_dir():
                raise NotFound(f"no index version {to}; see `talent index status`")
            if self.state(to) != "ready":
                raise IndexUnavailable(f"index version {to} is not complete; it cannot serve")
            target = to
        else:
            ready = [v for v in self.names() if v != current and self.state(v) == "ready"]
            older = [v for v in ready if current is None or v < current]
            if not (older or ready):
                raise IndexUnavailable("no other complete index version to roll back to; "
                                       "see `talent index status`")
            target = (older or ready)[-1]
        self.set_current(target)
        return target

    def gc(self, keep: int) -> list[str]:
        """Delete failed versions and all but the ``keep`` newest ready ones (never the serving
        one)."""
        if keep < 1:
            raise ValueError("keep must be >= 1")
        current = self.current()
        states = {v: self.state(v) for v in self.names()}
        ready = [v for v, s in states.items() if s == "ready"]
        keep_set = set(ready[-keep:]) | ({current} if current else set())
        doomed = [v for v, s in states.items() if s == "failed"
                  or (s == "ready" and v not in keep_set)]
        for v in doomed:
            shutil.rmtree(self.path(v), ignore_errors=True)
        return doomed
