"""Benchmark: generate a world and simulate its logs on SQLite in a temporary data home.

Usage::

    .venv/bin/python benchmarks/world_generation.py            # the 1M-member world
                                                                 (benchmarks/worlds/1m.toml)
    .venv/bin/python benchmarks/world_generation.py demo --stats

Prints the seconds spent generating and simulating and the total (the target for 1M members
with logs on 2 cores is at most 3 minutes). Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (simulation workers)."""
    own, kids = (resource.getrusage(resource.RUSAGE_SELF),
                 resource.getrusage(resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("world", nargs="?", default="1m",
                        help="world name or config path (default: 1m)")
    parser.add_argument(
        "--home", help="data home to use (default: a temporary directory, removed afterwards)"
    )
    parser.add_argument("--stats", action="store_true",
                        help="also compute and print `talent world stats`")
    args = parser.parse_args(argv)

    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world
    from talent.world.simulator import simulate

    with tempfile.TemporaryDirectory(prefix="talent-bench-") as tmp:
        home = Path(args.home) if args.home else Path(tmp)
        settings = load_settings(home=home)
        settings.ensure_home()
        db = Database(settings.resolved_database_url)
        db.upgrade()
        config = load_world_config(args.world)
        # imported (and cached) before the clock starts
        taxonomy = resolve_taxonomy(config, settings)
        load_before = os.getloadavg()[0]
        c0, t0 = _cpu_seconds(), time.perf_counter()
        gen = generate_world(config, db, settings.worlds_dir, taxonomy)
        c1, t1 = _cpu_seconds(), time.perf_counter()
        sim = simulate(db, settings.worlds_dir)
        c2, t2 = _cpu_seconds(), time.perf_counter()
        figures = {"world": config.name, "members": gen.members, "taxonomy": gen.taxonomy_source,
                   "generate_seconds": round(t1 - t0, 1), "simulate_seconds": round(t2 - t1, 1),
                   "total_seconds": round(t2 - t0, 1),
                   "cpu_seconds": {"generate": round(c1 - c0, 1), "simulate": round(c2 - c1, 1)},
                   "load_average": {"before": round(load_before, 2),
                                    "after": round(os.getloadavg()[0], 2)},
                   "simulation_workers": sim.workers, "rows": gen.counts, "searches": sim.searches,
                   "impressions": sim.impressions, "inmails": sim.inmails, "accepted": sim.accepted,
                   "generate_timings": {k: round(v, 1) for k, v in gen.timings.items()},
                   "simulate_timings": {k: round(v, 1) for k, v in sim.timings.items()},
                   "content_hash": gen.content_hash}
        print(json.dumps(figures, indent=2))
        print(
            f"{config.name}: {gen.members:,} members generated in {t1 - t0:.1f} s, "
            f"{sim.searches:,} searches simulated in {t2 - t1:.1f} s, total {t2 - t0:.1f} s "
            f"(CPU {c2 - c0:.0f} s; load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after)"
        )
        if args.stats:
            from talent.world.stats import render, world_stats

            render(world_stats(db, settings.worlds_dir))
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
