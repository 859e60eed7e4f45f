"""Benchmark: where one search's CPU goes, part by part.

Usage::

    .venv/bin/python benchmarks/search_parts.py --home var/1m --queries 200

For a seeded sample of logged queries, runs the broker's work by hand in this thread, one
partition after another, and times every part in CPU seconds of this thread
(``time.thread_time``: the work itself, whatever else the shared machine runs): parse, plan,
compile, Tantivy's search at the retrieval depth, the forward gather, the text coverage (timed
alone, then again inside the feature pass: "other features" is the difference), L1, the facets
(from forward rows, or a Tantivy aggregation when a partition matched more than it retrieved),
their merge and labels, then the results page of the query ranked by the broker. The floor of
``search_latency.py`` is search + gather + L1. Prints mean and p50 ms a query. Not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="data home (default: TALENT_HOME or ./var)")
    parser.add_argument("--queries", type=int, default=200, help="logged queries to time")
    parser.add_argument("--warmup", type=int, default=20, help="queries run first, not counted")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from fanout_backends import load_queries

    from federator.service import SearchService
    from federator.types import SearchRequest
    from index.l1.coverage import coverage_query, text_coverage
    from index.l1.features import candidate_features, text_match_score
    from index.serving.broker import DEFAULT_FACETS
    from index.serving.facets import engine_counts, facet_values, forward_counts, merge_counts
    from talent.query import parse_query
    from talent.settings import load_settings
    from talent.storage.db import Database

    settings = load_settings(home=args.home)
    db = Database.from_settings(settings)
    queries = [q for q, _, _, _ in load_queries(db, args.queries + args.warmup, args.seed)]
    if not queries:
        print("no logged searches in this home: run `talent world simulate` first", file=sys.stderr)
        return 1
    service = SearchService.from_settings(settings, database=db)
    broker = service.broker
    depth, size = broker.settings.retrieval_depth, broker.settings.facet_size
    only_broker = {"l2": False, "rerank": False, "bandit": False}
    parts: dict[str, list[float]] = {}
    for n, q in enumerate(queries):
        spent: dict[str, float] = {}
        clock = [time.thread_time()]

        def tick(part: str, spent: dict[str, float] = spent, clock: list[float] = clock) -> None:
            now = time.thread_time()
            spent[part] = spent.get(part, 0.0) + (now - clock[0]) * 1e3
            clock[0] = now

        parsed = parse_query(q, service.taxonomy)
        tick("parse")
        snapshot = service.serving.snapshot()
        plan = broker.plan(parsed, snapshot)
        tick("plan")
        facets = []
        for p in snapshot.partitions:
            query = plan.compile(p)
            tick("compile")
            hits = p.search(query, depth)
            tick("search")
            batch = p.features(hits.member_ids)
            tick("gather")
            text_coverage(batch, coverage_query(plan, snapshot.vocab))
            tick("coverage")
            X = candidate_features(snapshot, p, plan, hits.member_ids, batch)
            tick("features")
            if broker.scorer is not None and len(X):
                broker.scorer.predict(X)
            elif len(X):
                text_match_score(X)
            tick("l1")
            if hits.count <= len(hits):
                facets.append(forward_counts(batch, DEFAULT_FACETS, size))
                tick("facets from forward rows")
            else:
                facets.append(engine_counts(p.facets(query, DEFAULT_FACETS, size),
                                            snapshot.vocab))
                tick("facets by Tantivy aggregation")
        service.labels.facets(facet_values(merge_counts(facets), snapshot.vocab, size))
        tick("facet merge and labels")
        ranked = service.rank(SearchRequest(None, None, q, stages=only_broker), parsed)
        clock[0] = time.thread_time()
        service.pages.cards(parsed, ranked.candidates, 0, 25)
        tick("page")
        if n >= args.warmup:
            spent["other features"] = spent.pop("features") - spent["coverage"]
            for part, ms in spent.items():
                parts.setdefault(part, []).append(ms)
    counted = len(queries) - args.warmup
    print(f"{counted} queries, {len(service.serving.partitions)} partitions one after another, "
          f"CPU ms a query (this thread): mean / p50 of the queries that have the part")
    total = 0.0
    floor = ("search", "gather", "l1")
    for part in ("parse", "plan", "compile", *floor, "coverage", "other features",
                 "facets from forward rows", "facets by Tantivy aggregation",
                 "facet merge and labels", "page"):
        values = parts.get(part, [])
        mean = float(np.sum(values)) / max(counted, 1)
        total += mean
        print(f"  {part:<32} {mean:7.2f} {np.median(values) if values else 0.0:7.2f}"
              f"{'  (floor)' if part in floor else ''}")
    floor_ms = sum(float(np.sum(parts.get(p, []))) for p in floor) / max(counted, 1)
    print(f"  {'sum':<32} {total:7.2f}   floor {floor_ms:.2f}, sum / floor {total / floor_ms:.2f}x")
    service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
