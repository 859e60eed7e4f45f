"""ruff, with the rules and the line length configured in pyproject.toml, over the whole tree."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TREE = ["talent", "index", "federator", "webapp", "tests", "benchmarks"]
CLEAN = [
    "webapp",
    "tests/webapp",
    "tests/test_lint.py",
    "tests/import_graph.py",
    "tests/world/test_truth_guard.py",
    "tests/search/test_service.py",
    "tests/foundation/test_log_scrubbing.py",
    "talent/logging.py",
    "talent/cache",
]
"""Parts already clean, kept clean now."""

PENDING = ["--extend-per-file-ignores", "webapp/search.py:E501"]
"""``search_service()`` in webapp/search.py is being rewritten on another #13 branch."""


def ruff(paths: list[str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *options, *paths],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_ruff_checks_the_line_length_of_100():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]
    assert config["line-length"] == 100
    assert {"E", "F", "W", "I"} <= set(config["lint"]["select"])


def test_the_webapp_and_its_tests_pass_ruff():
    result = ruff(CLEAN, *PENDING)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.xfail(strict=False, reason="enforced after the #13 merges")
def test_the_whole_tree_passes_ruff():
    result = ruff(TREE)
    assert result.returncode == 0, result.stdout + result.stderr
