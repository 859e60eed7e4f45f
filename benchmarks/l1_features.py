"""Benchmark: the training path's feature pass, per logged search (what `talent train l1` and
`talent evaluate` spend most of their time on).

Usage::

    .venv/bin/python benchmarks/l1_features.py --home var/1m --searches 300

For a seeded sample of logged searches with impressions, parses the logged query, builds its
plan against the serving index and computes the L1 features of the members the search showed
(``index.l1.features.features_for_members``, the code `talent.training.dataset` runs for every
logged search). Prints the CPU ms (this process, all threads) and wall ms per search, mean and
median. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="data home (default: TALENT_HOME or ./var)")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from federator.service import SearchService
    from index.l1.features import features_for_members
    from talent.query import parse_query
    from talent.settings import load_settings
    from talent.storage.db import Database

    settings = load_settings(home=args.home)
    db = Database.from_settings(settings)
    with db.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT search_id FROM impressions ORDER BY search_id")).all()]
        rng = np.random.default_rng(args.seed)
        picks = sorted(rng.choice(len(ids), size=min(args.searches, len(ids)),
                                  replace=False).tolist())
        work = []
        for i in picks:
            sid = ids[i]
            qtext, qjson = conn.execute(text("SELECT query_text, query_json FROM searches "
                                             "WHERE id = :s"), {"s": sid}).one()
            shown = [r[0] for r in conn.execute(text(
                "SELECT member_id FROM impressions WHERE search_id = :s ORDER BY position"),
                {"s": sid}).all()]
            loaded = json.loads(qjson) if isinstance(qjson, str) and qjson.strip() else qjson
            query = loaded if isinstance(loaded, dict) else str(qtext or "")
            work.append((query, np.asarray(shown, dtype=np.int64)))
    service = SearchService.from_settings(settings, database=db, load_model=False)
    snapshot = service.serving.snapshot()
    cpu, wall, rows = [], [], 0
    for query, shown in work:
        c0, t0 = time.process_time(), time.perf_counter()
        plan = service.broker.plan(parse_query(query, service.taxonomy), snapshot)
        X = features_for_members(snapshot, plan, shown)
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - t0) * 1e3)
        rows += len(X)
    service.close()
    report = {"searches": len(cpu), "rows": rows,
              "cpu_ms_per_search": {"mean": float(np.mean(cpu)), "p50": float(np.median(cpu))},
              "wall_ms_per_search": {"mean": float(np.mean(wall)), "p50": float(np.median(wall))},
              "load_average": os.getloadavg()}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{len(cpu)} logged searches, {rows:,} shown members: CPU ms a search mean "
              f"{report['cpu_ms_per_search']['mean']:.2f} (p50 "
              f"{report['cpu_ms_per_search']['p50']:.2f}), wall mean "
              f"{report['wall_ms_per_search']['mean']:.2f}; load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
