"""Benchmark: `talent index build` on a generated world vs raw Tantivy indexing of the same
documents.

Usage::

    .venv/bin/python benchmarks/index_build.py                   # generate the 1M world (1m.toml),
                                                                   then build
    .venv/bin/python benchmarks/index_build.py --home var/bench  # reuse a home that already
                                                                   holds a world
    .venv/bin/python benchmarks/index_build.py --members 100000  # the 1m config scaled down

Measures, in one run:

- **build**: ``index.build.builder.build_index`` (database reads, document and forward-store
  construction, Tantivy indexing in worker processes, vocabulary merge, manifest, switch):
  wall time, documents per second, size on disk, peak memory (RSS summed over the build
  process and its workers, sampled every 0.1 s);
- **raw floor**: the very same documents (serialized beforehand to a JSON-lines file, not
  timed) indexed by one Tantivy writer with two threads and nothing else.

Goal (issue #4): build rate at least 0.6x the raw rate, under 90 s for 1M members.
Not a timed test; prints a JSON summary and one line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


class RssSampler:
    """Peak resident memory of this process plus its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _children(pid: int) -> list[int]:
        out = []
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    out += [int(c) for c in fh.read().split()]
        except OSError:
            pass
        return out

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            return 0

    def sample(self) -> int:
        pids, stack = [], [os.getpid()]
        while stack:
            pid = stack.pop()
            pids.append(pid)
            stack += self._children(pid)
        return sum(self._rss(p) for p in pids)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.sample())

    def __enter__(self) -> Self:
        self.peak = self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """User + system CPU of this process and its reaped children so far."""
    own, kids = (resource.getrusage(resource.RUSAGE_SELF),
                 resource.getrusage(resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def load_average() -> float:
    return os.getloadavg()[0]


def ensure_world(home: Path, world: str, members: int | None) -> int:
    """Generate the world into ``home`` unless it already holds members; returns the member
    count."""
    from sqlalchemy import func, select

    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import Member

    settings = load_settings(home=home)
    settings.ensure_home()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    with db.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Member)).scalar_one()
    if count:
        db.dispose()
        return int(count)
    from talent.world.config import (
        load_world_config,
        parse_world_config,
        resolve_taxonomy,
        world_config_path,
    )
    from talent.world.generator import generate_world

    config = load_world_config(world)
    if members:
        data = tomllib.loads(world_config_path(world).read_text())
        data["members"]["count"] = members
        data["name"] = f"{data['name']}-{members}"
        config = parse_world_config(data)
    taxonomy = resolve_taxonomy(config, settings)
    t0 = time.perf_counter()
    result = generate_world(config, db, settings.worlds_dir, taxonomy)
    print(f"generated {result.members:,} members in {time.perf_counter() - t0:.1f} s", flush=True)
    db.dispose()
    return result.members


def warm_database_file(database_url: str) -> float:
    """Read an SQLite database file once (not timed), so the build, like the raw floor whose
    documents are in memory before its clock starts, reads a file in the page cache. Returns
    the seconds it took (large when the file was not cached)."""
    if not database_url.startswith("sqlite:///"):
        return 0.0
    t0 = time.perf_counter()
    with open(database_url[len("sqlite:///"):], "rb") as fh:
        while fh.read(1 << 24):
            pass
    return time.perf_counter() - t0


def export_documents(database_url: str, path: Path, chunk_size: int = 5000) -> int:
    """Write every member's Tantivy JSON document to ``path`` (one per line; not timed)."""
    from index.build.documents import ProfileReader, all_member_ids, tantivy_json
    from talent.storage.db import Database

    db = Database(database_url)
    n = 0
    with db.engine.connect() as conn, path.open("w", encoding="utf-8") as out:
        reader = ProfileReader(conn)
        for profiles in reader.iter_chunks(all_member_ids(conn), chunk_size):
            for p in profiles:
                out.write(tantivy_json(p, reader.reference))
                out.write("\n")
            n += len(profiles)
    db.dispose()
    return n


def raw_floor(docs: Path, target: Path, heap_bytes: int, threads: int) -> dict[str, float]:
    """Index the JSON lines with one Tantivy writer and nothing else."""
    from index.schema import create_tantivy_index

    lines = docs.read_text(encoding="utf-8").splitlines()  # in memory before the clock starts
    with RssSampler() as rss:
        t0, c0, load0 = time.perf_counter(), cpu_seconds(), load_average()
        index = create_tantivy_index(target)
        writer = index.writer(heap_size=heap_bytes, num_threads=threads)
        add = writer.add_json
        for line in lines:
            add(line)
        writer.commit()
        writer.wait_merging_threads()
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    from index.versions import dir_size

    return {"seconds": seconds, "docs_per_second": len(lines) / seconds, "cpu_seconds": cpu,
            "docs_per_cpu_second": len(lines) / cpu, "size_bytes": dir_size(target),
            "peak_rss_bytes": rss.peak, "load_average_before": load0,
            "load_average_after": load_average()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", default="1m", help="world config name or path (default: 1m)")
    parser.add_argument("--members", type=int, default=None,
                        help="override the config's member count")
    parser.add_argument("--home",
                        help="data home (default: a temporary directory, removed afterwards)")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--processes", type=int, default=None,
                        help="build worker processes (default: auto)")
    parser.add_argument("--heap-mb", type=int, default=256,
                        help="Tantivy writer heap per shard (build)")
    parser.add_argument("--raw-heap-mb", type=int, default=512, help="writer heap of the raw floor")
    parser.add_argument("--skip-raw", action="store_true", help="only time the build")
    parser.add_argument("--cold", action="store_true",
                        help="do not read the SQLite file into the page cache before the build")
    parser.add_argument("--out", help="also write the JSON summary to this file")
    args = parser.parse_args(argv)

    from index.build.builder import build_index
    from talent.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="talent-index-bench-") as tmp:
        home = Path(args.home) if args.home else Path(tmp) / "home"
        members = ensure_world(home, args.world, args.members)
        settings = load_settings(home=home)
        bench_dir = Path(tmp) / "index"
        if not args.cold:
            print("database file read into the page cache in "
                  f"{warm_database_file(settings.resolved_database_url):.1f} s",
                  flush=True)
        c0, load0 = cpu_seconds(), load_average()
        with RssSampler() as rss:
            report = build_index(bench_dir, settings.resolved_database_url, shards=args.shards,
                                 processes=args.processes, heap_bytes=args.heap_mb * 1_000_000)
        cpu = cpu_seconds() - c0
        vdir = bench_dir / "versions" / report.version
        segments = [len(json.loads((vdir / f"shard-{i}" / "tantivy" / "meta.json")
                                   .read_text())["segments"])
                    for i in range(report.shards)]
        build = {"seconds": report.seconds, "docs_per_second": report.docs_per_second,
                 "cpu_seconds": cpu, "docs_per_cpu_second": report.members / cpu,
                 "load_average_before": load0, "load_average_after": load_average(),
                 "size_bytes": report.size_bytes, "peak_rss_bytes": rss.peak,
                 "processes": report.processes, "shards": report.shards, "members": report.members,
                 "phases": report.phases, "segments_per_shard": segments}
        print(f"build: {report.members:,} members, {report.shards} shards, {report.processes} "
              f"processes: {report.seconds:.1f} s, {report.docs_per_second:,.0f} docs/s, "
              f"{report.size_bytes / 1e9:.2f} GB, peak RSS {rss.peak / 1e9:.2f} GB, {cpu:.0f} CPU "
              f"s, segments per shard {segments}", flush=True)
        summary = {"members": members, "cpu_count": os.cpu_count(), "build": build}
        if not args.skip_raw:
            shutil.rmtree(bench_dir, ignore_errors=True)
            docs = Path(tmp) / "docs.jsonl"
            export_documents(settings.resolved_database_url, docs)
            raw = raw_floor(docs, Path(tmp) / "raw", args.raw_heap_mb * 1_000_000,
                            min(2, os.cpu_count() or 1))
            summary["raw"] = raw
            summary["ratio_to_raw"] = build["docs_per_second"] / raw["docs_per_second"]
            summary["cpu_ratio_to_raw"] = build["docs_per_cpu_second"] / raw["docs_per_cpu_second"]
            print(f"raw tantivy: {raw['seconds']:.1f} s, {raw['docs_per_second']:,.0f} docs/s, "
                  f"{raw['size_bytes'] / 1e9:.2f} GB, peak RSS {raw['peak_rss_bytes'] / 1e9:.2f} "
                  f"GB, {raw['cpu_seconds']:.0f} CPU s", flush=True)
            print(f"build rate / raw rate = {summary['ratio_to_raw']:.2f} (goal >= 0.6); per CPU "
                  f"second: {summary['cpu_ratio_to_raw']:.2f}; load average "
                  f"{build['load_average_before']:.1f} -> {build['load_average_after']:.1f} "
                  f"(build), {raw['load_average_before']:.1f} -> {raw['load_average_after']:.1f} "
                  f"(raw) on {os.cpu_count()} cores")
        print(json.dumps(summary, indent=2))
        if args.out:
            Path(args.out).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
