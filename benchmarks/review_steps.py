"""Benchmark: review mode's own cost, in process, on any data home (the 1M world included).

Usage::

    .venv/bin/python benchmarks/review_steps.py --home var/1m \\
        --database-url 'sqlite:///file:var/1m/talent.db?immutable=1&uri=true' --sessions 20

For jobs of the world (their structured query, as review mode starts a session for a job): a
session start split into its parts (the ranking stages' search, reading the pool's skills,
clustering them into skill groups), then ``--steps`` steps through
:class:`federator.review_service.ReviewService` over a session store in ``--cache`` (Redis by
default: three round trips a step), verdicts drawn at random. Prints p50/p90/p99 of each part and
of a step. No web layer and no database writes: the API's own cost is in
``benchmarks/review_latency.py``. Not a timed test: prints figures only (``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np


def percentiles(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    if not a.size:
        return {}
    return {"n": int(a.size), "p50": float(np.percentile(a, 50)),
            "p90": float(np.percentile(a, 90)), "p99": float(np.percentile(a, 99))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("TALENT_HOME", "var")))
    parser.add_argument("--database-url", default=None)
    # database 1: what the served home writes there (review sessions, L2's warmed counters)
    # never meets the test suite's database 0
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--query", default=None,
                        help="Review this query's candidates in every session instead of the "
                             "jobs' (a broad query fills the largest TALENT_REVIEW_POOL_SIZE).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import scipy.sparse as sp
    from sqlalchemy import select

    from federator.jobs import is_job, job_query
    from federator.review_service import ReviewConfig, ReviewService
    from federator.service import SearchService
    from federator.sessions import SessionStore
    from federator.skill_groups import cluster_skills
    from federator.types import SearchRequest
    from talent.cache import open_cache
    from talent.logging import configure_logging
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.storage.models import Metro, Project

    configure_logging("WARNING")  # stdout carries the figures only
    settings = load_settings(home=args.home, database_url=args.database_url)
    db = Database(settings.resolved_database_url)
    service = SearchService.from_settings(settings, database=db)
    cache = open_cache(args.cache, f"bench-{os.getpid()}")
    review = ReviewService(service, SessionStore(cache), ReviewConfig.from_settings(settings))
    rng = np.random.default_rng(args.seed)
    with db.session() as s:
        metros = {m.id: m.name for m in s.scalars(select(Metro))}
        projects = [p for p in s.scalars(select(Project).order_by(Project.id).limit(5000))
                    if is_job(p)]
        picked = [projects[i] for i in rng.choice(len(projects), args.sessions, replace=False)]
        jobs = [(p.recruiter_id, p.contract_id,
                 args.query if args.query else job_query(p, metros.get(p.metro_id)))
                for p in picked]
    parts: dict[str, list[float]] = {"search": [], "pool": [], "cluster": [], "start": [],
                                     "step": [], "pool_size": [], "k": []}
    for recruiter, contract, query in jobs:
        request = SearchRequest(recruiter_id=recruiter, contract_id=contract, query=query,
                                facets=False)
        t0 = time.perf_counter()
        service.rank(request)
        parts["search"].append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        try:
            pool = review.pool_for(request, seed=args.seed)
        except Exception as exc:  # noqa: BLE001 - a job whose query finds too few: next one
            print(f"skipped a job: {exc}")
            continue
        parts["pool"].append((time.perf_counter() - t0) * 1e3)
        matrix = sp.csr_matrix((np.ones(len(pool.skill_idx)), pool.skill_idx, pool.skill_ptr),
                               shape=(len(pool), len(pool.skills)))
        t0 = time.perf_counter()
        cluster_skills(matrix, seed=args.seed)
        parts["cluster"].append((time.perf_counter() - t0) * 1e3)
        parts["pool_size"].append(len(pool))
        parts["k"].append(pool.k)
        t0 = time.perf_counter()
        view = review.start(request, pool=pool, seed=args.seed)
        _, candidate = review.next(view.session_id, recruiter)
        parts["start"].append((time.perf_counter() - t0) * 1e3)
        for _ in range(args.steps - 1):
            if candidate is None:
                break
            verdict = "good_fit" if rng.random() < 0.35 else "not_fit"
            t0 = time.perf_counter()
            _, candidate = review.feedback(view.session_id, recruiter, candidate.member_id,
                                           verdict)
            parts["step"].append((time.perf_counter() - t0) * 1e3)
        review.sessions.delete(view.session_id)
    service.close()
    out: dict[str, Any] = {"home": str(args.home), "cache": args.cache,
                           "members": int(sum(service.serving.manifest.shard_members)),
                           "load_average": os.getloadavg(),
                           **{k: percentiles(v) for k, v in parts.items()}}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{out['members']:,} members; cache {args.cache}; load average "
              f"{out['load_average'][0]:.1f}")
        for name in ("search", "pool", "cluster", "start", "step", "pool_size", "k"):
            p = out[name]
            if p:
                print(f"{name:<10} n={p['n']:>5}  p50 {p['p50']:8.1f}  p90 {p['p90']:8.1f}  "
                      f"p99 {p['p99']:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
