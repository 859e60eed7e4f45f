"""The capacity model: machines, memory and latency for 10M, 100M and 1B profiles at a target QPS,
projected from per-shard costs measured on this machine (see ``docs/capacity.md``).

Usage::

    .venv/bin/python benchmarks/capacity_model.py --costs shard_costs.json \
        --fanout fanout.json --build build.json --qps 100

Inputs (JSON written by the other benchmarks of this folder):

- ``--costs`` (``shard_costs.py``): CPU ms of one partition per query type at several shard
  sizes, the broker's plan and merge CPU at several shard counts, bytes on disk per member,
  the query-type mix of the logged searches;
- ``--fanout`` (``fanout_backends.py``): Ray's end-to-end latency over threads at several
  partition counts (the fan-out overhead) and the resident memory of a partition actor;
- ``--build`` (``build_backends.py``): build documents per second per worker.

Model (each step printed with the fit it uses):

1. partition CPU per query type, linear in members per shard: ``a + b * members`` (least squares
   over the measured shard sizes), averaged over the query mix;
2. broker CPU per query, linear in the shard count: plan (term statistics of every shard) and
   merge (every shard's top k candidates and facets);
3. Ray's fan-out overhead per query, linear in the shard count (``ray - threads`` p50);
4. CPU per query = shards x partition CPU + broker CPU + Ray's CPU per query (all processes,
   ``ray - threads``, linear in the shard count); cores = QPS x CPU per query /
   utilization; a replica set holds every shard once, and the QPS decides how many replica sets;
5. memory = members x (Tantivy + forward store bytes) per replica set (kept in the page cache),
   plus one actor's anonymous memory per shard and replica;
6. latency p50 = partition CPU at the shard size / (1 - utilization) (one core per partition
   call, M/M/1 queueing) + the broker process's CPU per search on Ray (serial: plan, two actor
   calls a partition, merge, page; linear in the shard count); the heaviest query type's p90 for
   the tail. Network time is not in it (one machine here); the measured Ray-over-threads
   latency on this machine (actors and broker on the same 2 cores) is reported beside it.

Not a measurement: a projection whose every input is a measured figure; where it bends is in
``docs/capacity.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """(a, b) of y = a + b x by least squares; a >= 0 (a negative intercept is noise)."""
    if len(xs) == 1:
        return 0.0, ys[0] / xs[0]
    b, a = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)
    if a < 0:
        b, a = float(np.dot(xs, ys) / np.dot(xs, xs)), 0.0
    return float(a), float(b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--costs", required=True)
    parser.add_argument("--fanout")
    parser.add_argument("--build")
    parser.add_argument("--qps", type=float, default=100.0, help="target queries per second")
    parser.add_argument("--utilization", type=float, default=0.5,
                        help="CPU utilization planned for (headroom for bursts and the tail)")
    parser.add_argument("--shard-members", type=float, default=1_000_000,
                        help="members per shard")
    parser.add_argument("--cores-per-machine", type=int, default=32)
    parser.add_argument("--memory-per-machine-gb", type=float, default=256)
    parser.add_argument("--profiles", type=float, nargs="+", default=[1e7, 1e8, 1e9])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    costs = json.loads(Path(args.costs).read_text())
    mix = {k: v for k, v in costs["query_mix"].items()}
    by_shards = {int(k): v for k, v in costs["by_shards"].items()}
    types = sorted({t for v in by_shards.values() for t in v["by_query_type"]})
    weight = {t: mix.get(t, 0.0) for t in types}
    norm = sum(weight.values()) or 1.0
    weight = {t: w / norm for t, w in weight.items()}

    # 1. partition CPU per query type, linear in members per shard
    part_fit = {}
    for t in types:
        xs = [v["members_per_shard"] for v in by_shards.values() if t in v["by_query_type"]]
        ys = [v["by_query_type"][t]["partition_cpu_ms"]["mean"] for v in by_shards.values()
              if t in v["by_query_type"]]
        p90 = [v["by_query_type"][t]["partition_cpu_ms"]["p90"] for v in by_shards.values()
               if t in v["by_query_type"]]
        part_fit[t] = {"mean": _fit(xs, ys), "p90": _fit(xs, p90)}

    def partition_ms(members: float, stat: str = "mean") -> float:
        return sum(weight[t] * (part_fit[t][stat][0] + part_fit[t][stat][1] * members)
                   for t in types)

    def heaviest_p90(members: float) -> tuple[str, float]:
        return max(((t, part_fit[t]["p90"][0] + part_fit[t]["p90"][1] * members) for t in types),
                   key=lambda kv: kv[1])

    # 2. broker CPU, linear in shards
    shard_counts = sorted(by_shards)

    def mixed(v: dict, key: str) -> float:
        return sum(weight[t] * v["by_query_type"][t][key] for t in types
                   if t in v["by_query_type"])

    plan_fit = _fit(shard_counts, [mixed(by_shards[s], "plan_cpu_ms") for s in shard_counts])
    merge_fit = _fit(shard_counts, [mixed(by_shards[s], "merge_cpu_ms") for s in shard_counts])

    # 3. fan-out overhead of Ray over threads, linear in shards
    overhead_fit, cpu_overhead_fit, actor_anon_mb = (0.0, 0.0), (0.0, 0.0), 0.0
    broker_ray_fit = (0.0, 0.0)  # the broker process's CPU per search on Ray (no partition work)
    if args.fanout:
        fan = json.loads(Path(args.fanout).read_text())["by_shards"]
        xs = sorted(int(k) for k in fan)
        overhead_fit = _fit(xs, [max(fan[str(x)]["ray_minus_threads_p50_ms"], 0.0) for x in xs])
        if all("cpu_ms_per_query_mean" in fan[str(x)] for x in xs):
            cpu = [fan[str(x)]["cpu_ms_per_query_mean"] for x in xs]
            cpu_overhead_fit = _fit(xs, [max(c["ray"] - c["threads"], 0.0) for c in cpu])
        if all("broker_process_cpu_ms_mean" in fan[str(x)] for x in xs):
            broker_ray_fit = _fit(xs, [fan[str(x)]["broker_process_cpu_ms_mean"]["ray"]
                                       for x in xs])
        actor_anon_mb = float(np.mean([fan[str(x)]["actor_rss_mb"]["RssAnon"] for x in xs]))
    docs_per_s = None
    if args.build:
        build = json.loads(Path(args.build).read_text())
        runs = build["runs"]
        best = min(runs.values(), key=lambda r: r["seconds"])
        docs_per_s = best["docs_per_second"] / max(build.get("num_cpus", 2), 1)

    bytes_per_member = float(np.mean([v["tantivy_bytes_per_member"]
                                      + v["forward_bytes_per_member"]
                                      for v in by_shards.values()]))
    S = args.shard_members
    rows = []
    for n in args.profiles:
        shards = max(1, math.ceil(n / S))
        members = n / shards
        part = partition_ms(members)
        broker = plan_fit[0] + plan_fit[1] * shards + merge_fit[0] + merge_fit[1] * shards
        overhead = overhead_fit[0] + overhead_fit[1] * shards
        ray_cpu = cpu_overhead_fit[0] + cpu_overhead_fit[1] * shards
        cpu_per_query = shards * part + broker + ray_cpu
        cores = args.qps * cpu_per_query / 1000.0 / args.utilization
        set_memory_gb = (n * bytes_per_member + shards * actor_anon_mb * 1e6) / 1e9
        # one replica set holds every shard once; QPS beyond one set's cores needs more sets
        set_cores = shards  # a partition call runs on one core at a time
        replica_sets = max(1, math.ceil(cores / max(set_cores, 1)))
        machines_cpu = math.ceil(cores / args.cores_per_machine)
        machines_mem = math.ceil(replica_sets * set_memory_gb / args.memory_per_machine_gb)
        heavy_type, heavy = heaviest_p90(members)
        broker_process = broker_ray_fit[0] + broker_ray_fit[1] * shards
        broker_cores = args.qps * broker_process / 1000.0 / args.utilization
        # the broker's own CPU on Ray is serial (plan, two calls a partition, merge, page); on
        # this machine the measured latency overhead also holds the actors' and raylet's share
        # of the same 2 cores, so it is reported beside, not added
        serial = broker_process if broker_process else broker + overhead
        latency = part / (1 - args.utilization) + serial
        rows.append({
            "profiles": n, "shards": shards, "members_per_shard": round(members),
            "partition_cpu_ms": round(part, 2), "broker_cpu_ms": round(broker, 2),
            "fan_out_overhead_ms": round(overhead, 2), "ray_cpu_ms": round(ray_cpu, 2),
            "cpu_ms_per_query": round(cpu_per_query, 1), "cores": math.ceil(cores),
            "broker_process_cpu_ms": round(broker_process, 1),
            "broker_cores": math.ceil(broker_cores),
            "broker_qps_per_core": round(1000.0 / broker_process, 1) if broker_process else None,
            "replica_sets": replica_sets, "memory_per_replica_set_gb": round(set_memory_gb, 1),
            "machines": max(machines_cpu, machines_mem),
            "machines_by": "cpu" if machines_cpu >= machines_mem else "memory",
            "latency_p50_ms": round(latency, 1),
            "latency_heavy_p90_ms": round(heavy / (1 - args.utilization) + serial, 1),
            "heaviest_type": heavy_type,
            "broker_fan_in_rows": shards * costs["partition_top_k"],
            "build_hours_one_worker": (round(n / docs_per_s / 3600, 1) if docs_per_s else None),
        })
    report = {
        "assumptions": {"qps": args.qps, "utilization": args.utilization,
                        "shard_members": S, "cores_per_machine": args.cores_per_machine,
                        "memory_per_machine_gb": args.memory_per_machine_gb},
        "fits": {"partition_ms": {t: {k: [round(v[0], 4), round(v[1] * 1e6, 3)]  # ms, ms/1M
                                      for k, v in f.items()}
                                  for t, f in part_fit.items()},
                 "plan_ms": [round(x, 4) for x in plan_fit],
                 "merge_ms": [round(x, 4) for x in merge_fit],
                 "ray_overhead_ms": [round(x, 4) for x in overhead_fit],
                 "ray_cpu_overhead_ms": [round(x, 4) for x in cpu_overhead_fit],
                 "broker_process_ms": [round(x, 4) for x in broker_ray_fit]},
        "query_mix": weight, "bytes_per_member": round(bytes_per_member, 1),
        "actor_anon_mb": round(actor_anon_mb, 1),
        "build_docs_per_second_per_worker": round(docs_per_s) if docs_per_s else None,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(json.dumps(report["fits"]))
    head = ("profiles", "shards", "cpu ms/q", "cores", "broker ms/q", "sets", "GB/set",
            "machines", "p50 ms", "heavy p90 ms", "fan-in rows")
    print(" | ".join(head))
    for r in rows:
        print(" | ".join(str(x) for x in (
            f"{r['profiles']:.0e}", r["shards"], r["cpu_ms_per_query"], r["cores"],
            r["broker_process_cpu_ms"], r["replica_sets"], r["memory_per_replica_set_gb"],
            f"{r['machines']} ({r['machines_by']})", r["latency_p50_ms"],
            r["latency_heavy_p90_ms"], r["broker_fan_in_rows"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
