"""Benchmark: the L2 stage alone on 1,000 candidates (p50/p99 and its parts), on a data home.

Usage::

    TALENT_HOME=var/1m .venv/bin/python benchmarks/l2_stage.py --queries 100
    TALENT_HOME=... TALENT_CACHE_URL=redis://127.0.0.1:6379/1 .venv/bin/python \
        benchmarks/l2_stage.py

Builds the service as serving does (the current L1 and L2 models; the dynamic features from the
settings' cache, warmed from the database when cold), runs a sample of logged searches with L2
off to get the broker's candidates (the logged recruiter and contract on each), keeps queries
with at least ``--candidates`` of them, then times the ``l2`` stage alone on exactly that many
(``--repeats`` calls per query): the whole call (wall clock, and the CPU time of the calling
thread, which a busy machine does not inflate) and its parts (``dynamic``: the one batched cache
read and the transform; ``leaves``: the L1 trees' leaves; ``score``: GLMix and the sort).
Not a timed test: prints figures only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _pct(values: list[float]) -> dict[str, float]:
    a = np.asarray(values)
    return {"p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99)),
            "n": int(a.size)} if a.size else {"n": 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from federator.pipeline import RankingRequest
    from federator.service import SearchService
    from federator.types import SearchRequest
    from talent.errors import QueryError
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.training.dataset import query_of

    settings = load_settings()
    db = Database.from_settings(settings)
    t0 = time.perf_counter()
    service = SearchService.from_settings(settings, database=db)
    build_s = time.perf_counter() - t0
    l2 = next(s for s in service.pipeline.stages if s.name == "l2")
    if l2.refusal:
        print(f"L2 cannot serve: {l2.refusal}")
        return 1
    with db.engine.connect() as conn:
        import pandas as pd

        searches = pd.read_sql(text("SELECT id, recruiter_id, contract_id, query_text, query_json "
                                    "FROM searches"), conn)
    sample = searches.sample(min(len(searches), args.queries * 4), random_state=args.seed)
    total: list[float] = []
    cpu: list[float] = []
    parts: dict[str, list[float]] = {"dynamic": [], "leaves": [], "score": []}
    used = 0
    for _, row in sample.iterrows():
        if used >= args.queries:
            break
        search = SearchRequest(recruiter_id=int(row["recruiter_id"]),
                               contract_id=int(row["contract_id"]), query=query_of(row),
                               facets=False, stages={"l2": False})
        try:
            ranking = RankingRequest(search, service.parse(search))
            cands = service.rank(search, ranking.query).candidates
        except QueryError:
            continue
        if len(cands) < args.candidates:
            continue
        cands = cands.reordered(np.arange(args.candidates))
        used += 1
        for _ in range(args.repeats):
            t1, c1 = time.perf_counter(), time.thread_time()
            out = l2(ranking, cands)
            total.append((time.perf_counter() - t1) * 1e3)
            cpu.append((time.thread_time() - c1) * 1e3)
            for k in parts:
                parts[k].append(out.timings.get(k, 0.0))
    report = {"home": str(settings.home), "cache": settings.cache_url, "queries": used,
              "candidates": args.candidates, "repeats": args.repeats,
              "service_build_seconds": round(build_s, 2), "model": l2.model.name,
              "l1": l2.l1.name, "l2_ms": _pct(total), "l2_cpu_ms": _pct(cpu),
              **{f"{k}_ms": _pct(v)
                                                         for k, v in parts.items()}}
    service.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"L2 stage on {args.candidates:,} candidates, {used} queries x {args.repeats} "
              f"({report['model']} on {report['l1']}, cache {settings.cache_url}; service built "
              f"in {build_s:.1f} s)")
        for key in ("l2_ms", "l2_cpu_ms", "dynamic_ms", "leaves_ms", "score_ms"):
            v = report[key]
            print(f"  {key[:-3]:<8} p50 {v.get('p50', 0):7.2f} ms   p99 {v.get('p99', 0):7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
