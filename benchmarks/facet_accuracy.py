"""Benchmark: how far sampled facet counts (``TALENT_FACET_COUNTS=sampled``) are from exact ones.

Usage::

    .venv/bin/python benchmarks/facet_accuracy.py --home <home> --queries 150

Runs a seeded sample of logged queries through two search services over the same index, one
counting facets exactly and one sampling overflowing partitions, and prints, over the queries
where sampling applied, the relative error of the counts shown (each facet's 10 largest exact
values) and how often a facet's top 5 values differ. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home")
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from federator.service import SearchService
    from federator.types import SearchRequest
    from talent.settings import load_settings
    from talent.storage.db import Database

    settings = load_settings(home=args.home)
    db = Database.from_settings(settings)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_text, query_json FROM searches WHERE session_id "
                                 "NOT LIKE 'api-load-%' ORDER BY id")).all()
    rng = np.random.default_rng(args.seed)
    queries = []
    for i in rng.choice(len(rows), size=min(args.queries, len(rows)), replace=False).tolist():
        qtext, qjson = rows[i]
        loaded = json.loads(qjson) if isinstance(qjson, str) and qjson.strip() else qjson
        queries.append(loaded if isinstance(loaded, dict) else str(qtext or ""))
    exact = SearchService.from_settings(settings.model_copy(update={"facet_counts": "exact"}),
                                        database=db, load_model=False)
    sampled = SearchService.from_settings(settings.model_copy(update={"facet_counts": "sampled"}),
                                          database=db, load_model=False)
    errors: list[float] = []
    top_differs = facets_compared = approximate = 0
    for q in queries:
        a = exact.search(SearchRequest(1, 1, q, page_size=1))
        b = sampled.search(SearchRequest(1, 1, q, page_size=1))
        if not b.facets_approximate:
            continue
        approximate += 1
        for name, values in a.facets.items():
            truth = {_key(v.value): v.count for v in values}
            guess = {_key(v.value): v.count for v in b.facets.get(name, [])}
            for v in values[:10]:
                k = _key(v.value)
                errors.append(abs(guess.get(k, 0) - truth[k]) / truth[k])
            facets_compared += 1
            top_differs += ([_key(v.value) for v in values[:5]]
                            != [_key(v.value) for v in b.facets.get(name, [])[:5]])
    exact.close()
    sampled.close()
    e = np.asarray(errors)
    print(f"{len(queries)} queries, {approximate} with sampled counts; relative error of the 10 "
          f"largest values of each facet: median {np.median(e):.3f}, p90 "
          f"{np.percentile(e, 90):.3f} ({len(e)} counts); a facet's top 5 differs in "
          f"{top_differs} of {facets_compared}" if len(e) else "no query overflowed a partition")
    return 0


def _key(value: object) -> str:
    """A hashable form of a facet value (years-of-experience values are ranges)."""
    return json.dumps(value, sort_keys=True, default=str)


if __name__ == "__main__":
    sys.exit(main())
