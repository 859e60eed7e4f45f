"""Benchmark: what one partition costs, per query type and shard size (inputs of the capacity
model, ``benchmarks/capacity_model.py``).

Usage::

    .venv/bin/python benchmarks/shard_costs.py --home var/1m \
        --index 4=var/1m/builds/processes-4 --index 8=... --index 16=... \
        --queries 150 --json > shard_costs.json

For every index (the same world in 4, 8, 16 shards: shards of different sizes) and every
sampled logged query: the broker's plan is built, then each partition runs
``score_partition`` (retrieval with text coverage, features, L1, top k, and the results page's
facets) in this thread, one after another, timed in CPU seconds of this thread
(``time.thread_time``: the work itself, whatever else the shared machine runs); then the
broker's merge of all partitions' answers (candidates and facets). Reports, per query type and
shard size, the median and p90 CPU ms of one partition and of the merge; the share of each
query type among the logged searches; and the bytes on disk per member (Tantivy and the
forward store). Not a timed test.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    from fanout_backends import home_arguments, load_queries, open_home

    args = home_arguments(__doc__, queries=150, seed=1).parse_args(argv)

    from federator.retrieval import SEARCH_FACETS
    from index.l1.scoring import score_partition
    from index.serving.broker import Broker, _merge
    from index.serving.facets import facet_values, merge_counts
    from talent.query import parse_query

    home = open_home(args.home)
    db, taxonomy, scorer, cfg = home.db, home.taxonomy, home.scorer, home.broker
    queries = load_queries(db, args.queries, args.seed)
    from sqlalchemy import text

    with db.engine.connect() as conn:
        mix_rows = conn.execute(text("SELECT query_type, count(*) FROM searches "
                                     "GROUP BY query_type")).all()
    total = sum(n for _, n in mix_rows)
    report: dict[str, object] = {
        "home": args.home, "ranker": scorer.name if scorer else None,
        "retrieval_depth": cfg.retrieval_depth, "partition_top_k": cfg.partition_top_k,
        "facets": list(SEARCH_FACETS),
        "query_mix": {str(k): round(n / total, 4) for k, n in mix_rows}, "by_shards": {}}
    from index.serving.serving_index import ServingIndex

    for spec in args.index:
        shards, _, index_dir = spec.partition("=")
        serving = ServingIndex(Path(index_dir))
        broker = Broker(serving, taxonomy, scorer, cfg)
        snapshot = serving.snapshot()
        members = sum(p.num_docs for p in snapshot.partitions)
        per_type: dict[str, dict[str, list[float]]] = {}
        load_before = os.getloadavg()[0]
        for q, qtype, _, _ in queries:
            try:
                parsed = parse_query(q, taxonomy)
            except Exception:  # noqa: BLE001 - a logged query this taxonomy refuses: skip it
                continue
            c0 = time.thread_time()
            plan = broker.plan(parsed, snapshot)
            plan_cpu = (time.thread_time() - c0) * 1e3
            results, part_cpu, matches = [], [], []
            for p in snapshot.partitions:
                c = time.thread_time()
                r = score_partition(snapshot, p, plan, scorer, depth=cfg.retrieval_depth,
                                    top_k=cfg.partition_top_k, facet_fields=SEARCH_FACETS,
                                    facet_size=cfg.facet_size)
                part_cpu.append((time.thread_time() - c) * 1e3)
                results.append(r)
                matches.append(r.count)
            c = time.thread_time()
            _merge(results, None)
            facet_values(merge_counts(r.facets for r in results), snapshot.vocab, cfg.facet_size)
            merge_cpu = (time.thread_time() - c) * 1e3
            row = per_type.setdefault(qtype, {"partition": [], "plan": [], "merge": [],
                                              "matches_per_shard": []})
            row["partition"] += part_cpu
            row["plan"].append(plan_cpu)
            row["merge"].append(merge_cpu)
            row["matches_per_shard"] += matches
        base = Path(index_dir)
        tantivy_bytes = sum(_dir_bytes(d / "tantivy") for d in base.glob("versions/*/shard-*"))
        forward_bytes = sum(_dir_bytes(d / "forward") for d in base.glob("versions/*/shard-*"))
        report["by_shards"][shards] = {  # type: ignore[index]
            "members": members, "members_per_shard": members // int(shards),
            "tantivy_bytes_per_member": round(tantivy_bytes / members, 1),
            "forward_bytes_per_member": round(forward_bytes / members, 1),
            "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            "by_query_type": {
                t: {"n": len(v["plan"]),
                    "partition_cpu_ms": {"p50": round(float(np.median(v["partition"])), 3),
                                         "p90": round(float(np.percentile(v["partition"], 90)),
                                                      3),
                                         "mean": round(float(np.mean(v["partition"])), 3)},
                    "plan_cpu_ms": round(float(np.median(v["plan"])), 3),
                    "merge_cpu_ms": round(float(np.median(v["merge"])), 3),
                    "matches_per_shard_p50": int(np.median(v["matches_per_shard"]))}
                for t, v in sorted(per_type.items())},
        }
        print(f"{shards} shards done", file=sys.stderr)
        broker.close()
        serving.close()
    db.dispose()
    print(json.dumps(report, indent=2 if args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
