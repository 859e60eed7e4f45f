"""ruff, with the rules and the line length configured in pyproject.toml, over the whole tree."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TREE = ["talent", "index", "federator", "webapp", "tests", "benchmarks"]


def ruff(paths: list[str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *options, *paths],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_ruff_checks_the_line_length_of_100():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]
    assert config["line-length"] == 100
    assert {"E", "F", "W", "I"} <= set(config["lint"]["select"])


def test_the_whole_tree_passes_ruff():
    result = ruff(TREE)
    assert result.returncode == 0, result.stdout + result.stderr
