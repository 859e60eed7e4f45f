"""Benchmark: time from a profile write to that change being searchable.

Usage::

    .venv/bin/python benchmarks/live_update.py                 # demo world, 200 writes
    .venv/bin/python benchmarks/live_update.py --home /tmp/bench --writes 500  # builds an index
                                                                                 there

Setup as in production: the world in SQLite, the index built with 4 shards, and
``talent index update --follow`` running as its own process. This process plays a serving
web worker: it writes a profile change through the ORM (which logs it in the outbox), then
refreshes its ``ServingIndex`` every ``--refresh-ms`` and searches for the new headline token
until it matches. Reported: median, p90, p99 and max latency in milliseconds.
Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", default="demo", help="world config name or path (default: demo)")
    parser.add_argument("--home",
                        help="data home holding a world (default: generate into a temporary one)")
    parser.add_argument("--writes", type=int, default=200, help="profile writes to time")
    parser.add_argument("--poll-ms", type=float, default=20, help="updater poll interval")
    parser.add_argument("--refresh-ms", type=float, default=10, help="serving refresh interval")
    parser.add_argument("--gap-ms", type=float, default=100, help="mean pause between writes")
    parser.add_argument("--out", help="also write the JSON summary to this file")
    args = parser.parse_args(argv)

    from sqlalchemy import func, select

    from index.build.builder import build_index
    from index.serving import queries as Q
    from index.serving.serving_index import ServingIndex
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import Member

    with tempfile.TemporaryDirectory(prefix="talent-live-bench-") as tmp:
        home = Path(args.home) if args.home else Path(tmp) / "home"
        settings = load_settings(home=home)
        settings.ensure_home()
        db = Database(settings.resolved_database_url)
        db.upgrade()
        with db.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(Member)).scalar_one()
        if not count:
            from talent.world.config import load_world_config, resolve_taxonomy
            from talent.world.generator import generate_world

            config = load_world_config(args.world)
            generate_world(config, db, settings.worlds_dir, resolve_taxonomy(config, settings))
        index_dir = settings.index_dir  # `talent index update --follow` below serves this one
        report = build_index(index_dir, settings.resolved_database_url, shards=4)
        with db.engine.connect() as conn:
            ids = conn.execute(select(Member.id)).scalars().all()

        env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
        updater = subprocess.Popen([sys.executable, "-m", "talent.cli", "--home", str(home),
                                    "--log-level", "WARNING", "index", "update", "--follow",
                                    "--poll-interval", str(args.poll_ms / 1000)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        serving = ServingIndex(index_dir)
        rng = random.Random(7)
        latencies: list[float] = []
        try:
            time.sleep(2.0)  # let the follower open its writers
            for k in range(args.writes):
                token = f"zq{k}x{rng.randrange(10**6)}"
                member_id = rng.choice(ids)
                with db.session() as s:
                    s.get(Member, member_id).headline = f"Benchmark {token}"
                written = time.perf_counter()
                query = Q.term("headline", token)
                while True:
                    serving.refresh()
                    if serving.count(query):
                        break
                    if time.perf_counter() - written > 30:
                        raise SystemExit(f"change {k} not searchable after 30 s: {updater.poll()}")
                    time.sleep(args.refresh_ms / 1000)
                latencies.append((time.perf_counter() - written) * 1000)
                time.sleep(rng.expovariate(1000 / args.gap_ms))
        finally:
            updater.terminate()
            updater.wait(10)
        summary = {"members": report.members, "writes": len(latencies), "poll_ms": args.poll_ms,
                   "refresh_ms": args.refresh_ms, "median_ms": statistics.median(latencies),
                   "p90_ms": percentile(latencies, 90), "p99_ms": percentile(latencies, 99),
                   "max_ms": max(latencies), "load_average": os.getloadavg()[0],
                   "cpu_count": os.cpu_count()}
        print(json.dumps(summary, indent=2))
        print(f"write -> searchable over {len(latencies)} writes ({report.members:,} members, 4 "
              f"shards): median {summary['median_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms, max "
              f"{summary['max_ms']:.0f} ms")
        if args.out:
            Path(args.out).write_text(json.dumps(summary, indent=2))
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
