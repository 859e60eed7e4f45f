"""Benchmark: where a `POST /api/v1/search` request's CPU goes outside the engine.

Usage::

    .venv/bin/python benchmarks/api_cost.py --home var/1m --requests 300

Builds the web app in this process (the app `talent serve` runs), signs a demo recruiter's
bearer token, and sends logged searches (the same seeded mix of text and structured queries as
``api_load.py``, facets on, page 1) through Flask's test client one after another. For every
request it measures the CPU time of the process (all threads) and, by wrapping the functions
that do them, of its parts: the engine (``SearchService.search``: parse, stages, page), the
token lookup, logging the search and its impressions (ORM insert and bulk insert), the commit,
and the rest (routing, validation, rate limit, serialization: the difference). Prints mean and
median per part (ms), and with ``--profile`` the functions outside the engine that cost most
(cProfile). The HTTP server and socket costs of gunicorn are not in it (``api_load.py`` shows
them as the server's CPU per search). Prints figures only.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


class Parts:
    """CPU ms per part of the current request."""

    def __init__(self) -> None:
        self.now: dict[str, float] = {}

    def wrap(self, owner: Any, name: str, part: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)
        parts = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            c0 = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                parts.now[part] = parts.now.get(part, 0.0) + (time.process_time() - c0) * 1e3

        setattr(owner, name, timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="data home (default: TALENT_HOME or ./var)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true",
                        help="also print the costliest functions outside the engine (cProfile)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO / "benchmarks"))
    from api_load import demo_tokens, logged_queries
    from sqlalchemy.orm import Session

    import webapp.api.auth as api_auth
    import webapp.search as web_search
    from federator.service import SearchService
    from talent.settings import load_settings
    from talent.storage.access import RecruiterScope
    from webapp.app import create_app

    settings = load_settings(home=args.home)
    queries = logged_queries(args.home, args.requests + args.warmup, args.seed)
    token = demo_tokens(args.home, 1)[0]
    app = create_app(settings, {"RATE_LIMITS": {"search": "1000000 per minute",
                                                "profile": "1000000 per minute",
                                                "export": "10 per minute",
                                                "login": "10 per minute"}})
    parts = Parts()
    parts.wrap(SearchService, "search", "engine")
    parts.wrap(api_auth, "recruiter_for_token", "token lookup")
    parts.wrap(RecruiterScope, "log_search", "log search row")
    parts.wrap(web_search, "log_impressions", "log impressions")
    parts.wrap(Session, "commit", "commit")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    totals: list[float] = []
    by_part: dict[str, list[float]] = {}
    profiler = cProfile.Profile() if args.profile else None
    errors = 0
    for n, q in enumerate(queries):
        body = json.dumps({"query": q, "page": 1, "page_size": 25, "facets": True,
                           "session_id": f"api-load-cost-{n // 10}"})
        parts.now = {}
        counted = n >= args.warmup
        if profiler is not None and counted:
            profiler.enable()
        c0 = time.process_time()
        response = client.post("/api/v1/search", data=body, headers=headers,
                               content_type="application/json")
        cpu = (time.process_time() - c0) * 1e3
        if profiler is not None and counted:
            profiler.disable()
        if response.status_code != 200:
            errors += 1
            continue
        if not counted:
            continue
        totals.append(cpu)
        rest = cpu - sum(parts.now.values())
        for part, ms in {**parts.now, "rest (routing, validation, limiter, JSON)": rest}.items():
            by_part.setdefault(part, []).append(ms)
    engine = by_part.get("engine", [0.0] * len(totals))
    report = {"requests": len(totals), "errors": errors, "cpu_ms_total": _stats(totals),
              "cpu_ms_by_part": {k: _stats(v) for k, v in by_part.items()},
              "outside_engine_ms": _stats([t - e for t, e in zip(totals, engine)])}
    print(f"{len(totals)} requests ({errors} errors), CPU ms per request, mean / p50:")
    print(f"  {'total':<44} {report['cpu_ms_total']['mean']:>7.2f} "
          f"{report['cpu_ms_total']['p50']:>7.2f}")
    for part, s in report["cpu_ms_by_part"].items():
        print(f"  {part:<44} {s['mean']:>7.2f} {s['p50']:>7.2f}")
    s = report["outside_engine_ms"]
    print(f"  {'outside the engine':<44} {s['mean']:>7.2f} {s['p50']:>7.2f}")
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(70)
        print(out.getvalue())
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def _stats(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0}
    return {"mean": float(a.mean()), "p50": float(np.percentile(a, 50)),
            "p90": float(np.percentile(a, 90))}


if __name__ == "__main__":
    sys.exit(main())
