"""The error path's cost: CPU to log one unexpected exception (a 500's traceback) with the
console renderer as configured now (plain traceback, no frame locals) against structlog's default
console renderer (rich traceback with every frame's local variables, which #19 found printing
passwords and taking about a second per 500), side by side in one process.

Usage::

    .venv/bin/python benchmarks/error_path.py --repeats 20
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _request_like_failure(depth: int, payload: dict) -> None:
    if depth:
        _request_like_failure(depth - 1, payload)
    raise RecursionError("maximum recursion depth exceeded while decoding a JSON object")


def time_one(logger: object, depth: int) -> float:
    payload = {"query": [[[]]], "password": "not-logged", "headers": {"Cookie": "session=x"}}
    start = time.process_time()
    try:
        _request_like_failure(depth, payload)
    except RecursionError:
        logger.exception("request.failed", path="/api/v1/search")  # type: ignore[attr-defined]
    return time.process_time() - start


def configure(renderer: object, sink: io.StringIO) -> object:
    logging.basicConfig(stream=sink, level=logging.INFO, format="%(message)s", force=True)
    structlog.configure(processors=[structlog.processors.add_log_level, renderer],
                        logger_factory=structlog.stdlib.LoggerFactory(),
                        cache_logger_on_first_use=False)
    return structlog.get_logger("bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--depth", type=int, default=60, help="frames between the view and the "
                                                              "error (a web request has ~60)")
    args = parser.parse_args()
    from talent.logging import configure_logging

    results: dict[str, list[float]] = {"structlog default (rich, locals)": [], "now (plain)": []}
    for _ in range(args.repeats):  # alternate, so both see the same machine load
        sink = io.StringIO()
        old = configure(structlog.dev.ConsoleRenderer(colors=False), sink)
        results["structlog default (rich, locals)"].append(time_one(old, args.depth))
        sink = io.StringIO()
        configure_logging("INFO", "console")
        logging.getLogger().handlers[0].stream = sink
        results["now (plain)"].append(time_one(structlog.get_logger("bench"), args.depth))
    for name, values in results.items():
        print(f"{name}: median {statistics.median(values) * 1e3:.1f} ms CPU per logged 500 "
              f"({args.repeats} runs, {args.depth} frames)")


if __name__ == "__main__":
    main()
