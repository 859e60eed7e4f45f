"""Benchmark: the same index build with the process pool and with Ray tasks, in one run.

Usage::

    .venv/bin/python benchmarks/build_backends.py --home var/1m --shards 4 \
        --out var/1m/builds

Builds the home's database into ``<out>/processes-<shards>`` with
``index.build.builder.build_index`` (worker processes: one per core, each dealt several shards
it reads in one pass) and into ``<out>/ray-<shards>`` with one Ray task per shard on a local
Ray instance (``--num-cpus``, one CPU per task; started before the clock starts). Everything
else (ids, vocabulary merge, replay, manifest, swap) is the same code. ``--order`` says which
runs first. Prints wall time, documents per second and the phases of each, and the load average
around each build (the machine is shared: compare the two of one run, not runs). Both indexes
are kept (``--keep``) for the fan-out benchmark, else deleted. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, help="data home holding the world's database")
    parser.add_argument("--out", help="where the indexes go (default: <home>/builds)")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local Ray instance")
    parser.add_argument("--order", choices=("processes-first", "ray-first"),
                        default="processes-first")
    parser.add_argument("--only", choices=("processes", "ray"), help="build one way only")
    parser.add_argument("--keep", action="store_true", help="keep the built indexes")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from talent.logging import configure_logging

    configure_logging("WARNING")  # logs to stderr: stdout is the JSON report

    import ray

    from index.build.builder import build_index
    from index.cluster.build import ray_shard_runner
    from index.cluster.connect import connect
    from talent.settings import load_settings

    settings = load_settings(home=args.home)
    url = settings.resolved_database_url
    out = Path(args.out or Path(args.home) / "builds")
    out.mkdir(parents=True, exist_ok=True)
    ways = ["processes", "ray"] if args.order == "processes-first" else ["ray", "processes"]
    if args.only:
        ways = [args.only]
    t0 = time.perf_counter()
    if "ray" in ways:  # started before either clock starts
        connect(num_cpus=args.num_cpus)
    ray_start = time.perf_counter() - t0
    runs = {}
    for way in ways:
        index_dir = out / f"{way}-{args.shards}"
        shutil.rmtree(index_dir, ignore_errors=True)
        load_before = os.getloadavg()[0]
        report = build_index(index_dir, url, shards=args.shards,
                             runner=ray_shard_runner() if way == "ray" else None)
        runs[way] = {"seconds": round(report.seconds, 1),
                     "docs_per_second": round(report.docs_per_second),
                     "members": report.members, "runner": report.runner,
                     "processes": report.processes, "phases": report.phases,
                     "size_mb": round(report.size_bytes / 1e6, 1), "index_dir": str(index_dir),
                     "load_before": round(load_before, 1),
                     "load_after": round(os.getloadavg()[0], 1)}
        print(f"{way:>10}: {report.members:,} members in {report.shards} shards, "
              f"{report.seconds:.1f} s ({report.docs_per_second:,.0f} docs/s) {report.runner}, "
              f"phases {report.phases}, load {load_before:.1f} -> {os.getloadavg()[0]:.1f}",
              file=sys.stderr)
        if not args.keep:
            shutil.rmtree(index_dir, ignore_errors=True)
    ray.shutdown()
    summary = {"shards": args.shards, "ray_init_seconds": round(ray_start, 1),
               "num_cpus": args.num_cpus, "cpus": os.cpu_count(), "order": ways, "runs": runs}
    if "ray" in runs and "processes" in runs:
        summary["ray_over_processes"] = round(runs["ray"]["seconds"]
                                              / runs["processes"]["seconds"], 2)
    print(json.dumps(summary, indent=2) if args.json else json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
