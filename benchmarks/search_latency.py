"""Benchmark: search latency per stage and end to end, against the component floor, on a data home.

Usage::

    TALENT_HOME=var/bench-1m .venv/bin/python benchmarks/search_latency.py --queries 500
    .venv/bin/python benchmarks/search_latency.py --home var --json

Replays a random sample of logged recruiter queries (``searches.query_json`` / ``query_text``:
title-only, title+skills, boolean OR, free text, with their filters) through
``SearchService.search`` (parse, plan, fan-out to every partition, L1 features and scoring,
facets, merge, page assembly with stored fields and highlights) and prints p50/p90/p99 of
every stage the response reports and of the whole call, overall and per query type.

In the same run, for every query, the **component floor**: the very same compiled query searched
in every partition (raw Tantivy, the same retrieval depth, member ids from the fast field), the
hits' forward-store fields the L1 features read gathered (13 columns into a feature matrix,
the skill and past-occupation rows), and one prediction of the served L1 model over it — nothing
else (no text features, facets, merge or page). The floor is measured
both fanned out over the same thread pool size and one partition after another; the overhead
ratio is end to end / the faster of the two. Whichever of the engine and the floor runs a query
second finds its postings and forward rows in the CPU caches, so by default each goes first for
half the queries (``--order``). Goals (issue #5, 1M members, 4 shards): p50 <= 30 ms,
p99 <= 100 ms, overhead <= 1.3x the floor. Not a timed test: prints figures only.

Every search carries the logged search's recruiter and contract (personalizing stages read
them). ``--stage-off NAME`` (repeatable) also runs each query with that federator stage (or
finer switch, e.g. ``l1``) off, next to the same query with it on, and prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FORWARD_COLUMNS = ("seniority", "years_experience", "metro", "open_to_work", "willing_to_relocate",
                   "last_active_day", "current_start_day", "completeness", "num_skills",
                   "num_positions", "num_companies", "education_level", "occupation")
#: The forward store's multi-valued rows the L1 features read (skills, past occupations).
FORWARD_LISTS = ("skills", "past_occupations")


def _percentiles(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "mean": 0.0, "n": 0}
    return {"p50": float(np.percentile(a, 50)), "p90": float(np.percentile(a, 90)),
            "p99": float(np.percentile(a, 99)), "mean": float(a.mean()), "n": int(a.size)}


def _rss() -> dict[str, int]:
    """VmRSS, RssAnon and RssFile of this process (bytes; empty where /proc is missing)."""
    out: dict[str, int] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def _floor_one(partition, compiled, depth: int, scorer, n_features: int) -> None:
    """Raw retrieval of the same hits + forward-store gather + one model prediction, for one
    partition."""
    hits = partition.search(compiled, depth)
    batch = partition.features(hits.member_ids)
    X = np.zeros((len(hits.member_ids), n_features), dtype=np.float32)
    for j, name in enumerate(FORWARD_COLUMNS):
        X[:, j] = batch.columns[name]
    for name in FORWARD_LISTS:  # gathered on access: the floor reads what the features read
        batch.csr[name]
    if scorer is not None and len(X):
        scorer.predict(X)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="data home (default: TALENT_HOME or ./var)")
    parser.add_argument("--queries", type=int, default=500, help="logged queries to replay")
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=30, help="queries run first and not counted")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--order", choices=("alternate", "engine-first", "floor-first"),
                        default="alternate",
                        help="which of the engine and the floor runs a query first (the second one "
                             "finds warm CPU caches; alternate: each goes first for half the "
                             "queries)")
    parser.add_argument("--stage-off", action="append", default=[], metavar="STAGE",
                        help="also run every query with this stage (or switch, e.g. l1) off, right "
                             "after or before the same query with it on, and print both side by "
                             "side (repeatable)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from federator.service import SearchService
    from federator.types import SearchRequest
    from index.l1.features import FEATURE_NAMES
    from talent.query import parse_query
    from talent.settings import load_settings
    from talent.storage.db import Database

    settings = load_settings(home=args.home)
    db = Database.from_settings(settings)
    with db.engine.connect() as conn:
        # the API benchmarks' own searches are left out: the sample stays the same after them
        rows = conn.execute(text("SELECT query_text, query_json, query_type, recruiter_id, "
                                 "contract_id FROM searches WHERE session_id NOT LIKE "
                                 "'api-load-%' ORDER BY id")).all()
    if not rows:
        print("no logged searches in this home: run `talent world simulate` first", file=sys.stderr)
        return 1
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(len(rows), size=min(args.queries + args.warmup, len(rows)), replace=False)
    queries = []
    for i in picks.tolist():
        qtext, qjson, qtype, recruiter, contract = rows[i]
        queries.append((json.loads(qjson) if isinstance(qjson, str) and qjson else (qjson or qtext),
                        qtype or "?", recruiter, contract))

    load_before = os.getloadavg()
    service = SearchService.from_settings(settings, database=db)
    service.pipeline.check_switches({name: False for name in args.stage_off})
    stage_off: dict[str, list[float]] = {name: [] for name in args.stage_off}
    stage_on: dict[str, list[float]] = {name: [] for name in args.stage_off}
    # per stage-off pair: whether the "on" search had titles added by expansion
    expanded: dict[str, list[bool]] = {name: [] for name in args.stage_off}
    cpu_on: dict[str, list[float]] = {name: [] for name in args.stage_off}
    cpu_off: dict[str, list[float]] = {name: [] for name in args.stage_off}
    scorer = service.broker.scorer
    depth = service.broker.settings.retrieval_depth
    pool = ThreadPoolExecutor(max_workers=max(4, len(service.serving.partitions)))
    # the model's input width; the forward columns fill the first ones
    n_features = len(FEATURE_NAMES)
    stages: dict[str, list[float]] = {}
    by_type: dict[str, list[float]] = {}
    end_to_end: list[float] = []
    floor_parallel: list[float] = []
    floor_sequential: list[float] = []
    # CPU time of the process (every thread) per search: less load-sensitive
    cpu_engine: list[float] = []
    cpu_floor: list[float] = []
    def floor(q: object) -> tuple[float, float, float]:
        """(fanned out ms, one partition after another ms, CPU ms of the latter)."""
        snapshot = service.serving.snapshot()
        plan = service.broker.plan(parse_query(q, service.taxonomy), snapshot)
        compiled = [plan.compile(p) for p in snapshot.partitions]
        t1 = time.perf_counter()
        list(pool.map(lambda pc: _floor_one(pc[0], pc[1], depth, scorer, n_features),
                      zip(snapshot.partitions, compiled)))
        t2 = time.perf_counter()
        c2 = time.process_time()
        for p, cq in zip(snapshot.partitions, compiled):
            _floor_one(p, cq, depth, scorer, n_features)
        t3 = time.perf_counter()
        return (t2 - t1) * 1e3, (t3 - t2) * 1e3, (time.process_time() - c2) * 1e3

    def timed(request: SearchRequest) -> tuple[float, bool, float]:
        """(ms, whether title expansion added titles to this search, CPU ms)."""
        t0, c0 = time.perf_counter(), time.process_time()
        response = service.search(request)
        ms, cpu = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        return ms, bool(response.expansion is not None and response.expansion.applied), cpu

    for n, (q, qtype, recruiter, contract) in enumerate(queries):
        # whichever runs second finds the query's postings and forward rows in the CPU caches
        floor_first = args.order == "floor-first" or (args.order == "alternate" and n % 2 == 1)
        if floor_first:
            par_ms, seq_ms, floor_cpu_ms = floor(q)
        request = SearchRequest(recruiter, contract, q, page_size=args.page_size)
        t0, c0 = time.perf_counter(), time.process_time()
        response = service.search(request)
        elapsed, cpu_ms = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        if not floor_first:
            par_ms, seq_ms, floor_cpu_ms = floor(q)
        # the same query with the stage off, then on again, order alternating
        for name in args.stage_off:
            off = SearchRequest(recruiter, contract, q, page_size=args.page_size,
                                stages={name: False})
            first, second = (off, request) if n % 2 else (request, off)
            (a, a_expanded, a_cpu), (b, b_expanded, b_cpu) = timed(first), timed(second)
            if n >= args.warmup:
                stage_off[name].append(a if first is off else b)
                stage_on[name].append(b if first is off else a)
                expanded[name].append(b_expanded if first is off else a_expanded)
                cpu_off[name].append(a_cpu if first is off else b_cpu)
                cpu_on[name].append(b_cpu if first is off else a_cpu)
        if n < args.warmup:
            continue
        end_to_end.append(elapsed)
        by_type.setdefault(qtype, []).append(elapsed)
        floor_parallel.append(par_ms)
        floor_sequential.append(seq_ms)
        cpu_engine.append(cpu_ms)
        cpu_floor.append(floor_cpu_ms)
        for stage, ms in response.timings.items():
            stages.setdefault(stage, []).append(ms)
    pool.shutdown()
    e2e, fpar, fseq = (_percentiles(end_to_end), _percentiles(floor_parallel),
                       _percentiles(floor_sequential))
    floor = {q: min(fpar[q], fseq[q]) for q in ("p50", "p90", "p99")}
    report = {
        "home": str(settings.home),
        "queries": len(end_to_end),
        "shards": len(service.serving.partitions),
        "members": int(sum(p.num_docs for p in service.serving.partitions)),
        "ranker": service.ranker,
        "retrieval_depth": depth,
        "partition_top_k": service.broker.settings.partition_top_k,
        "end_to_end_ms": e2e,
        "by_query_type_ms": {k: _percentiles(v) for k, v in sorted(by_type.items())},
        "stages_ms": {k: _percentiles(v) for k, v in stages.items()},
        "floor_parallel_ms": fpar,
        "floor_sequential_ms": fseq,
        "overhead_vs_floor": {q: (e2e[q] / floor[q] if floor[q] > 0 else None)
                              for q in ("p50", "p90", "p99")},
        # the fan-out alone (retrieval, text coverage, features, L1, facets, merge), no
        # parse/plan/page
        "partitions_vs_floor": {q: (_percentiles(stages.get("broker.partitions", []))[q] / floor[q]
                                    if floor[q] > 0 else None) for q in ("p50", "p90", "p99")},
        "cpu_ms": {"end_to_end": _percentiles(cpu_engine), "floor": _percentiles(cpu_floor),
                   "total_ratio": float(np.sum(cpu_engine) / max(np.sum(cpu_floor), 1e-9))},
        "stage_off_ms": {name: {"on": _percentiles(stage_on[name]),
                                "off": _percentiles(stage_off[name]),
                                # the searches title expansion added titles to (with it on)
                                "expanded_queries": int(sum(expanded[name])),
                                "on_expanded": _percentiles([t for t, e in zip(stage_on[name],
                                                                               expanded[name])
                                                             if e]),
                                "off_expanded": _percentiles([t for t, e in zip(stage_off[name],
                                                                                expanded[name])
                                                              if e]),
                                "cpu_on": _percentiles(cpu_on[name]),
                                "cpu_off": _percentiles(cpu_off[name])}
                         for name in args.stage_off},
        "stage_reports": [r.name for r in response.stages] if queries else [],
        "order": args.order,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "cpus": os.cpu_count(),
        # the process after every search: anonymous memory and mapped files it touched
        "rss_bytes": _rss(),
    }
    service.close()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['queries']} queries, {report['members']:,} members in {report['shards']} "
          f"shards, ranker {report['ranker']}, depth {depth}, order {args.order}, load "
          f"{load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"{'stage':<38} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for k, v in report["stages_ms"].items():
        print(f"{k:<38} {v['p50']:>8.2f} {v['p90']:>8.2f} {v['p99']:>8.2f}")
    print(f"{'END TO END (SearchService.search)':<38} {e2e['p50']:>8.2f} {e2e['p90']:>8.2f} "
          f"{e2e['p99']:>8.2f}")
    for label, f in (("floor, partitions in parallel", fpar),
                     ("floor, partitions one by one", fseq)):
        print(f"{label:<38} {f['p50']:>8.2f} {f['p90']:>8.2f} {f['p99']:>8.2f}")
    o = report["overhead_vs_floor"]
    print(f"{'overhead (end to end / faster floor)':<38} {o['p50']:>7.2f}x {o['p90']:>7.2f}x "
          f"{o['p99']:>7.2f}x")
    c = report["cpu_ms"]
    for label, f in (("CPU ms, end to end", c["end_to_end"]),
                     ("CPU ms, floor one by one", c["floor"])):
        print(f"{label:<38} {f['p50']:>8.2f} {f['p90']:>8.2f} {f['p99']:>8.2f}")
    print(f"{'CPU, all queries: end to end / floor':<38} {c['total_ratio']:>7.2f}x")
    o = report["partitions_vs_floor"]
    print(f"{'fan-out stage / faster floor':<38} {o['p50']:>7.2f}x {o['p90']:>7.2f}x "
          f"{o['p99']:>7.2f}x")
    for name, v in report["stage_off_ms"].items():
        on, off = v["on"], v["off"]
        print(f"stage {name!r} on vs off, end to end (same queries, alternating order):")
        for label, f in (("  on", on), ("  off", off)):
            print(f"{label:<38} {f['p50']:>8.2f} {f['p90']:>8.2f} {f['p99']:>8.2f}")
        ratio = {q: on[q] / off[q] if off[q] > 0 else float("nan") for q in ("p50", "p90", "p99")}
        print(f"{'  on / off':<38} {ratio['p50']:>7.2f}x {ratio['p90']:>7.2f}x "
              f"{ratio['p99']:>7.2f}x")
        for label, f in (("  CPU ms on", v["cpu_on"]), ("  CPU ms off", v["cpu_off"])):
            print(f"{label:<38} {f['p50']:>8.2f} {f['p90']:>8.2f} {f['p99']:>8.2f}")
        if v["expanded_queries"]:
            print(f"  of which title expansion added titles to {v['expanded_queries']} "
                  f"searches (with it on); those:")
            for label, f in (("    on", v["on_expanded"]), ("    off", v["off_expanded"])):
                print(f"{label:<38} {f['p50']:>8.2f} {f['p90']:>8.2f} {f['p99']:>8.2f}")
    rss = report["rss_bytes"]
    if rss:
        print("serving process RSS after the run: " + ", ".join(
            f"{k} {v / 1e6:,.0f} MB" for k, v in rss.items()))
    print("by query type (end to end):")
    for k, v in report["by_query_type_ms"].items():
        print(f"  {k:<36} {v['p50']:>8.2f} {v['p90']:>8.2f} {v['p99']:>8.2f}  (n={v['n']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
