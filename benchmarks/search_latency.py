"""Benchmark: search latency per stage and end to end on an existing data home.

Usage::

    TALENT_HOME=var .venv/bin/python benchmarks/search_latency.py --queries 300
    .venv/bin/python benchmarks/search_latency.py --home /tmp/demo --json

Replays logged search queries (``searches.query_json`` / ``query_text``) through
``SearchService.search`` and prints p50/p99 of every stage the response reports, the end-to-end
time, and the raw Tantivy floor: the compiled query of each request searched (top 1,000) in
every partition one after another, with no features, scoring or page assembly. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def _percentiles(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    return {"p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99)), "mean": float(a.mean())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="data home (default: TALENT_HOME or ./var)")
    parser.add_argument("--queries", type=int, default=300, help="logged queries to replay")
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from federator.service import SearchService
    from federator.types import SearchRequest
    from talent.query import parse_query
    from talent.settings import load_settings
    from talent.storage.db import Database

    settings = load_settings(home=args.home)
    db = Database.from_settings(settings)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_text, query_json FROM searches ORDER BY id")).all()
    rng = np.random.default_rng(0)
    picks = rng.choice(len(rows), size=min(args.queries, len(rows)), replace=False)
    queries = []
    for i in picks.tolist():
        qtext, qjson = rows[i]
        queries.append(json.loads(qjson) if isinstance(qjson, str) and qjson else (qjson or qtext))

    service = SearchService.from_settings(settings, database=db)
    for q in queries[:10]:  # warm-up
        service.search(SearchRequest(None, None, q, page_size=args.page_size))
    stages: dict[str, list[float]] = {}
    floor: list[float] = []
    for q in queries:
        response = service.search(SearchRequest(None, None, q, page_size=args.page_size))
        for stage, ms in response.timings.items():
            stages.setdefault(stage, []).append(ms)
        plan = service.broker.plan(parse_query(q, service.taxonomy))
        compiled = [plan.compile(p) for p in service.serving.partitions]
        t0 = time.perf_counter()
        for p, cq in zip(service.serving.partitions, compiled):
            p.search(cq, 1000)
        floor.append((time.perf_counter() - t0) * 1e3)
    report = {
        "home": str(settings.home),
        "queries": len(queries),
        "shards": len(service.serving.partitions),
        "members": int(sum(p.num_docs for p in service.serving.partitions)),
        "ranker": service.ranker,
        "stages_ms": {k: _percentiles(v) for k, v in stages.items()},
        "tantivy_floor_ms": _percentiles(floor),
    }
    service.close()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['queries']} queries, {report['members']:,} members in {report['shards']} shards, "
          f"ranker {report['ranker']}")
    print(f"{'stage':<36} {'p50 ms':>8} {'p99 ms':>8}")
    for k, v in report["stages_ms"].items():
        print(f"{k:<36} {v['p50']:>8.2f} {v['p99']:>8.2f}")
    f = report["tantivy_floor_ms"]
    print(f"{'tantivy floor (top 1000, sequential)':<36} {f['p50']:>8.2f} {f['p99']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
