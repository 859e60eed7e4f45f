"""Fuzzing that checks the API's contract: schemathesis generates requests for every operation of
the committed spec (valid and invalid data) and checks each response against it: no server error,
a documented status code, the documented content type and headers, the body schema.

Usage::

    .venv/bin/python benchmarks/fuzz_api.py --home var/demo --examples 400

Runs against the in-process WSGI app over a copy of ``--home`` (a world with an index; the copy is
changed by the generated writes, the home never). ``--examples`` per operation (hypothesis
examples, valid and invalid data alike). Prints requests, server
errors and contract violations per operation, and their totals.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def fuzz(app: Any, token: str, examples: int, seed: int) -> dict[str, Any]:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.core.failures import FailureGroup

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_path(REPO / "webapp" / "openapi.json")
    report: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        statuses: Counter[int] = Counter()
        violations: dict[str, str] = {}

        @hseed(seed)
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        def run(case: Any) -> None:
            response = case.call(headers=headers, app=app, base_url="http://localhost")
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=checks)
            except FailureGroup as group:
                for failure in group.exceptions:
                    key = f"{type(failure).__name__} ({response.status_code})"
                    violations.setdefault(key, str(failure).splitlines()[0][:200])

        started = time.perf_counter()
        run()
        report[label] = {"requests": sum(statuses.values()), "statuses": dict(statuses),
                         "server_errors": sum(n for s, n in statuses.items() if s >= 500),
                         "violations": violations,
                         "seconds": round(time.perf_counter() - started, 1)}
        print(json.dumps({label: report[label]}), flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--work", default="var/fuzz")
    parser.add_argument("--examples", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    home = work / "home"
    shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("talent.db*", "*.log",
                                                                   "ratelimits.sqlite*"))
    with sqlite3.connect(Path(args.home) / "talent.db") as a, \
            sqlite3.connect(home / "talent.db") as b:
        a.backup(b)
    from talent.settings import load_settings
    from talent.storage.db import Database
    from webapp import create_app
    from webapp.accounts import ensure_demo_accounts

    settings = load_settings(home=str(home), log_level="ERROR")
    token = ensure_demo_accounts(Database.from_settings(settings), count=1, echo=None)[0].token
    app = create_app(settings, {"TESTING": True, "RATELIMIT_ENABLED": False})
    report = fuzz(app, token, args.examples, args.seed)
    totals = {"operations": len(report),
              "requests": sum(r["requests"] for r in report.values()),
              "server_errors": sum(r["server_errors"] for r in report.values()),
              "violations": sum(len(r["violations"]) for r in report.values())}
    (work / "fuzz.json").write_text(json.dumps({"totals": totals, "operations": report},
                                               indent=2))
    print("| operation | requests | 5xx | violations |\n|---|---|---|---|")
    for label, r in report.items():
        print(f"| {label} | {r['requests']} | {r['server_errors']} | "
              f"{'; '.join(r['violations']) or 0} |")
    print(json.dumps(totals))
    groups: dict[str, int] = defaultdict(int)
    for r in report.values():
        for status, n in r["statuses"].items():
            groups[str(status)] += n
    print("by status:", dict(sorted(groups.items())))


if __name__ == "__main__":
    main()
