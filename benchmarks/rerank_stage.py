"""Benchmark: representative re-ranking, on synthetic inputs and on a data home's logged queries.

Usage::

    .venv/bin/python benchmarks/rerank_stage.py --synthetic
    TALENT_HOME=var/1m .venv/bin/python benchmarks/rerank_stage.py --queries 300

``--synthetic`` (no data home): the paper's kind of simulation. For 2 to 8 groups, random desired
distributions (Dirichlet(1)) and rankings of 100 candidates whose scores favour some groups
(score = U(0, 1) + a group bias drawn from U(0, 0.5)); each algorithm re-ranks the top 100 and
the script prints the share of lists with an infeasible prefix, the NDKL cut and the NDCG kept
(scores as gains), ours and the PyPI ``reranking`` package's side by side (its permutations,
our metrics), and the time to re-rank 1,000 candidates of 3 groups.

With a data home: every sampled logged query is searched (broker and L1, not timed), then the
stage ``rerank`` runs on the candidates the broker returned (up to 1,000 at 4 shards x 250), the
pool counted afresh: its parts (``pool``: the qualified-pool count over every partition;
``reorder``: the algorithm; ``metrics``: the debug figures) and its whole time, p50/p90/p99; for
the queries with 1,000 candidates, also the stage without the pool count in CPU time (the
calling thread's: what a loaded machine does not inflate).
Not a timed test: prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PACKAGE_NAMES = {"detgreedy": "det_greedy", "detcons": "det_cons", "detrelaxed": "det_relaxed",
                 "detconstsort": "det_const_sort"}


def _pct(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"p50": float("nan"), "p90": float("nan"), "p99": float("nan"), "n": 0}
    return {"p50": float(np.percentile(a, 50)), "p90": float(np.percentile(a, 90)),
            "p99": float(np.percentile(a, 99)), "n": int(a.size)}


def synthetic(lists: int, seed: int) -> dict:
    from talent.ranking.fairness import infeasible, ndcg_kept, ndkl
    from talent.ranking.representative import ALGORITHMS, desired_shares, rerank

    try:
        import reranking  # the PyPI package, for the side by side
    except ImportError:
        reranking = None
    rng = np.random.default_rng(seed)
    k = 100
    out: dict = {"lists_per_group_count": lists, "k": k, "by_groups": {}}
    for n_groups in range(2, 9):
        rows: dict[str, dict[str, list[float]]] = {}
        for _ in range(lists):
            shares = desired_shares(rng.dirichlet(np.ones(n_groups)) * 1e6)
            bias = rng.uniform(0, 0.5, n_groups)
            # enough candidates of every group for its minimums (the package cannot run out)
            groups = np.concatenate([np.repeat(np.arange(n_groups),
                                               np.ceil(k * shares).astype(int) + 1),
                                     rng.integers(0, n_groups, 2 * k)])
            scores = rng.uniform(0, 1, len(groups)) + bias[groups]
            order = np.argsort(-scores, kind="stable")
            groups, scores = groups[order], scores[order]
            base = ndkl(groups, shares, k)
            for algorithm in ALGORITHMS:
                variants = {"ours": rerank(groups, shares, algorithm, k)[:k]}
                if reranking is not None:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        try:
                            variants["package"] = np.asarray(reranking.rerank(
                                groups.tolist(), dict(enumerate(shares.tolist())), k_max=k,
                                algorithm=PACKAGE_NAMES[algorithm]), dtype=np.int64)
                        except (KeyError, IndexError):
                            variants["package"] = None
                for who, o in variants.items():
                    r = rows.setdefault(f"{who}/{algorithm}", {"infeasible": [], "ndkl_cut": [],
                                                                "ndcg": [], "errors": []})
                    if o is None:
                        r["errors"].append(1.0)
                        continue
                    r["infeasible"].append(float(infeasible(groups[o], shares, k)[0] > 0))
                    r["ndkl_cut"].append(1 - ndkl(groups[o], shares, k) / base if base else 0.0)
                    r["ndcg"].append(ndcg_kept(scores, o, k))
        out["by_groups"][n_groups] = {
            name: {"lists_with_an_infeasible_prefix": float(np.mean(r["infeasible"]))
                   if r["infeasible"] else None,
                   "ndkl_cut_mean": float(np.mean(r["ndkl_cut"])) if r["ndkl_cut"] else None,
                   "ndcg_kept_mean": float(np.mean(r["ndcg"])) if r["ndcg"] else None,
                   "errors": int(len(r["errors"]))}
            for name, r in rows.items()}
    timing: dict[str, dict] = {}
    shares = np.array([0.47, 0.51, 0.02])
    for algorithm in ALGORITHMS:
        wall, cpu = [], []
        for _ in range(300):
            groups = rng.choice(3, 1000, p=[0.35, 0.63, 0.02])
            t0, c0 = time.perf_counter(), time.thread_time()
            rerank(groups, shares, algorithm)
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.thread_time() - c0) * 1e3)
        timing[algorithm] = {"wall_ms": _pct(wall), "cpu_ms": _pct(cpu)}
    out["rerank_1000_candidates"] = timing
    return out


def on_home(home: str | None, queries: int, seed: int) -> dict:
    from sqlalchemy import text

    from federator.pipeline import RankingRequest
    from federator.service import SearchService
    from federator.types import SearchRequest
    from talent.errors import QueryError
    from talent.settings import load_settings
    from talent.storage.db import Database

    settings = load_settings(home=home)
    db = Database.from_settings(settings)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_text, query_json FROM searches ORDER BY id")).all()
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(rows), size=min(queries, len(rows)), replace=False)
    t0 = time.perf_counter()
    service = SearchService.from_settings(settings, database=db)
    build_s = time.perf_counter() - t0
    stage = next(s for s in service.pipeline.stages if s.name == "rerank")
    parts: dict[str, list[float]] = {"pool": [], "reorder": [], "metrics": [], "stage": []}
    # the stage proper (algorithm + figures) on 1,000 candidates, and the CPU time of the calling
    # thread for the whole call (the pool count's partition threads are not in it)
    full: dict[str, list[float]] = {"reorder": [], "metrics": [], "stage": [],
                                    "caller_thread_cpu": [], "stage_proper_cpu": []}
    sizes, pools = [], []
    for i in picks.tolist():
        qtext, qjson = rows[i]
        query = json.loads(qjson) if isinstance(qjson, str) and qjson else qtext
        request = SearchRequest(None, None, query, facets=False)
        try:
            ranking = RankingRequest(request, service.parse(request))
            cands = service.broker.search(ranking.query)
        except QueryError:
            continue
        if len(cands) == 0:
            continue
        stage.pool._cache.clear()  # every query counts its pool once
        t1, c1 = time.perf_counter(), time.thread_time()
        out = stage(ranking, cands)
        ms, cpu = (time.perf_counter() - t1) * 1e3, (time.thread_time() - c1) * 1e3
        for part in ("pool", "reorder", "metrics"):
            parts[part].append(out.timings[part])
        parts["stage"].append(ms)
        sizes.append(len(cands))
        pools.append(out.debug["pool_members"])
        if len(cands) >= 1000:
            full["reorder"].append(out.timings["reorder"])
            full["metrics"].append(out.timings["metrics"])
            full["stage"].append(out.timings["reorder"] + out.timings["metrics"])
            full["caller_thread_cpu"].append(cpu)
            # the stage without the pool count (cached now), in CPU time: load-proof
            c2 = time.thread_time()
            stage(ranking, cands)
            full["stage_proper_cpu"].append((time.thread_time() - c2) * 1e3)
    members = int(sum(p.num_docs for p in service.serving.partitions))
    algorithm = stage.config.algorithm
    service.close()
    return {"home": str(settings.home), "members": members, "queries": len(sizes),
            "service_build_s": build_s, "algorithm": algorithm,
            "candidates": _pct(sizes), "pool_members": _pct(pools),
            "stage_parts_ms": {k: _pct(v) for k, v in parts.items()},
            "with_1000_candidates_ms": {k: _pct(v) for k, v in full.items()},
            "load_average": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="data home (default: TALENT_HOME or ./var)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--synthetic", action="store_true", help="synthetic inputs, no home")
    parser.add_argument("--lists", type=int, default=200, help="synthetic lists per group count")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = (synthetic(args.lists, args.seed) if args.synthetic
              else on_home(args.home, args.queries, args.seed))
    print(json.dumps(report, indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
