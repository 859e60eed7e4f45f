"""Benchmark: the broker's fan-out on threads against Ray actors, same queries, same run.

Usage::

    .venv/bin/python benchmarks/fanout_backends.py --home var/1m \
        --index 4=var/1m/builds/processes-4 --index 8=... --index 16=... \
        --queries 200 --kills 5

For every index given (the same world split in 4, 8, 16 shards), two search services over the
same files, the same L1 model and the same broker settings: partitions on threads of this
process (the default backend) and partitions as Ray actors on a local Ray instance
(``--num-cpus``). Each logged query (a random sample of ``searches``, seed ``--seed``) runs on
both, the order alternating per query; the pages must be identical (mismatches are counted).
Prints p50/p99 of the end-to-end ``SearchService.search``, of the broker's plan (the Ray plan
includes the term-statistics round trip to every actor) and of its fan-out, per backend; the
mean CPU of a search summed over every process (this one, plus for Ray the actors, raylet and
GCS it started; clock-tick resolution, averaged over the queries); and the resident memory of
the actors (anonymous and file-backed pages).

``--kills N`` (on the first index): N times, a search is started and the actor of one partition
killed while it runs; prints whether that search came back flagged partial, and the time from
the kill until a search came back whole again (the actor restarted and reopened its shard).
Not a timed test: the machine is shared, compare the backends of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def home_arguments(doc: str | None, *, queries: int, seed: int) -> argparse.ArgumentParser:
    """The arguments every backend benchmark takes: a data home, its index directories by shard
    count, the logged queries to replay, and JSON output."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--home", required=True, help="data home (database, models, taxonomy)")
    parser.add_argument("--index", action="append", required=True, metavar="SHARDS=DIR",
                        help="an index directory of the home's world (repeatable)")
    parser.add_argument("--queries", type=int, default=queries)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--json", action="store_true")
    return parser


@dataclass
class Home:
    """What a backend benchmark reads from a data home."""

    settings: Any
    db: Any
    taxonomy: Any
    scorer: Any
    broker: Any  # BrokerSettings


def open_home(path: str) -> Home:
    """The home's settings, database, taxonomy, current L1 model and broker settings; logs go to
    stderr at WARNING (stdout is the report)."""
    from index.l1.model import load_current_model
    from index.serving.broker import BrokerSettings
    from talent.logging import configure_logging
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.world.config import world_taxonomy

    configure_logging("WARNING")
    settings = load_settings(home=path)
    db = Database.from_settings(settings)
    return Home(settings, db, world_taxonomy(settings, db), load_current_model(settings.models_dir),
                BrokerSettings.from_settings(settings))


def _pct(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"p50": 0.0, "p99": 0.0, "n": 0}
    return {"p50": round(float(np.percentile(a, 50)), 2),
            "p99": round(float(np.percentile(a, 99)), 2), "n": int(a.size)}


def _rss_kb(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("RssAnon", "RssFile", "VmRSS")):
                    key, value = line.split(":")
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def _descendants(pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    kids = [int(c) for c in fh.read().split()]
                out += kids
                stack += kids
        except OSError:
            continue
    return out


_TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def _cpu_ms(pids: list[int]) -> float:
    """User + system CPU of these processes so far, in ms (clock-tick resolution)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total * _TICK_MS


def load_queries(db, n: int, seed: int) -> list[tuple[object, str, int, int]]:
    """A seeded sample of ``n`` logged searches: (query, query type, recruiter, contract). The API
    benchmarks' own searches are left out, so the sample stays the same after them."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_text, query_json, query_type, recruiter_id, "
                                 "contract_id FROM searches WHERE session_id NOT LIKE "
                                 "'api-load-%' ORDER BY id")).all()
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(rows), size=min(n, len(rows)), replace=False)
    out = []
    for i in picks.tolist():
        qtext, qjson, qtype, recruiter, contract = rows[i]
        query = json.loads(qjson) if isinstance(qjson, str) and qjson else (qjson or qtext)
        out.append((query, qtype or "?", recruiter, contract))
    return out


def measure_kills(service, kills: int, queries) -> dict[str, object]:
    """Kill one partition's actor while a search runs; time until searches are whole again."""
    import ray

    from federator.types import SearchRequest

    partial_flags, recoveries, noticed, reasons = [], [], [], []
    for k in range(kills):
        q, _, recruiter, contract = queries[k % len(queries)]
        request = SearchRequest(recruiter, contract, q)
        victim = service.serving.partitions[k % len(service.serving.partitions)]
        answer: list = []
        # rank: the candidates carry the failure reasons
        t = threading.Thread(target=lambda: answer.append(service.rank(request).candidates))
        t.start()
        time.sleep(0.003)  # the search is under way (a 1M query takes tens of ms)
        killed = time.perf_counter()
        ray.kill(victim.actor, no_restart=False)
        t.join()
        noticed.append((time.perf_counter() - killed) * 1e3)
        partial_flags.append(bool(answer[0].partial))
        reasons += [r.split(":")[0] for r in answer[0].failures.values()]
        while True:
            response = service.search(request)
            if not response.partial:
                break
        recoveries.append((time.perf_counter() - killed) * 1e3)
    return {"kills": kills, "searches_flagged_partial": sum(partial_flags),
            "failure_reasons": {r: reasons.count(r) for r in sorted(set(reasons))},
            "partial_answer_ms": _pct(noticed), "recovery_ms": _pct(recoveries),
            "recovery_ms_each": [round(r) for r in recoveries]}


def main(argv: list[str] | None = None) -> int:
    parser = home_arguments(__doc__, queries=200, seed=0)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--kills", type=int, default=0)
    args = parser.parse_args(argv)

    import ray

    from federator.labels import company_names_from_database
    from federator.service import SearchService
    from federator.types import SearchRequest
    from index.cluster.connect import connect
    from index.cluster.executor import RayExecutor
    from index.cluster.serving import ClusterServing
    from index.serving.serving_index import ServingIndex

    home = open_home(args.home)
    db, taxonomy, scorer, broker_settings = home.db, home.taxonomy, home.scorer, home.broker
    names = company_names_from_database(db)
    queries = load_queries(db, max(args.queries + args.warmup, args.kills), args.seed)
    connect(num_cpus=args.num_cpus)
    report: dict[str, object] = {"home": args.home, "ranker": scorer.name if scorer else None,
                                 "queries": args.queries, "num_cpus": args.num_cpus,
                                 "cpus": os.cpu_count(), "by_shards": {}}
    for spec in args.index:
        shards, _, index_dir = spec.partition("=")
        t0 = time.perf_counter()
        ray_serving = ClusterServing(Path(index_dir))
        actors_open_s = time.perf_counter() - t0
        services = {
            "threads": SearchService.build(taxonomy, ServingIndex(Path(index_dir)), scorer,
                                           broker_settings=broker_settings, company_names=names),
            "ray": SearchService.build(taxonomy, ray_serving, scorer,
                                       broker_settings=broker_settings, company_names=names,
                                       executor=RayExecutor(broker_settings.deadline_ms / 1000)),
        }
        e2e: dict[str, list[float]] = {"threads": [], "ray": []}
        plan: dict[str, list[float]] = {"threads": [], "ray": []}
        fan: dict[str, list[float]] = {"threads": [], "ray": []}
        # CPU of a search in every process (this one, and the Ray processes it started)
        cpu: dict[str, list[float]] = {"threads": [], "ray": []}
        cpu_broker: dict[str, list[float]] = {"threads": [], "ray": []}  # this process alone
        partial = {"threads": 0, "ray": 0}
        mismatches = 0
        load_before = os.getloadavg()[0]
        for n, (q, _, recruiter, contract) in enumerate(queries):
            request = SearchRequest(recruiter, contract, q)
            order = ("threads", "ray") if n % 2 == 0 else ("ray", "threads")
            pages = {}
            for backend in order:
                kids = _descendants(os.getpid())  # the Ray processes (actors, raylet, gcs)
                k0 = _cpu_ms(kids)
                c0, t = time.process_time(), time.perf_counter()
                response = services[backend].search(request)
                elapsed = (time.perf_counter() - t) * 1e3
                own = (time.process_time() - c0) * 1e3
                others = _cpu_ms(kids) - k0
                pages[backend] = [r.member_id for r in response.results]
                if n < args.warmup:
                    continue
                e2e[backend].append(elapsed)
                cpu[backend].append(own + others)
                cpu_broker[backend].append(own)
                plan[backend].append(response.timings.get("broker.plan", 0.0))
                fan[backend].append(response.timings.get("broker.partitions", 0.0))
                partial[backend] += int(response.partial)
            if n >= args.warmup and pages["threads"] != pages["ray"]:
                mismatches += 1
        rss = [_rss_kb(p.pid) for p in ray_serving.partitions]
        row: dict[str, object] = {
            "index_dir": index_dir, "members": int(sum(p.num_docs for p in
                                                       ray_serving.partitions)),
            "actors_open_s": round(actors_open_s, 1),
            "end_to_end_ms": {b: _pct(v) for b, v in e2e.items()},
            "plan_ms": {b: _pct(v) for b, v in plan.items()},
            "fan_out_ms": {b: _pct(v) for b, v in fan.items()},
            "ray_minus_threads_p50_ms": round(_pct(e2e["ray"])["p50"]
                                              - _pct(e2e["threads"])["p50"], 2),
            "cpu_ms_per_query_mean": {b: round(float(np.mean(v)), 2) for b, v in cpu.items()},
            "broker_process_cpu_ms_mean": {b: round(float(np.mean(v)), 2)
                                           for b, v in cpu_broker.items()},
            "partial": partial, "page_mismatches": mismatches,
            "actor_rss_mb": {k: round(float(np.mean([r.get(k, 0) for r in rss])) / 1024, 1)
                             for k in ("VmRSS", "RssAnon", "RssFile")},
            "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        }
        if args.kills and spec == args.index[0]:
            row["actor_kill"] = measure_kills(services["ray"], args.kills,
                                              queries[args.warmup:] or queries)
        report["by_shards"][shards] = row  # type: ignore[index]
        print(f"{shards} shards: {json.dumps(row)}", file=sys.stderr)
        for svc in services.values():
            svc.close()
        ray_serving.close(retire_actors=True)
    ray.shutdown()
    db.dispose()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'shards':>6} {'backend':>8} {'e2e p50':>8} {'e2e p99':>8} {'plan p50':>9} "
          f"{'fan p50':>8} {'fan p99':>8}")
    for shards, row in report["by_shards"].items():  # type: ignore[union-attr]
        for b in ("threads", "ray"):
            e, p, f = row["end_to_end_ms"][b], row["plan_ms"][b], row["fan_out_ms"][b]
            print(f"{shards:>6} {b:>8} {e['p50']:>8.1f} {e['p99']:>8.1f} {p['p50']:>9.1f} "
                  f"{f['p50']:>8.1f} {f['p99']:>8.1f}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
