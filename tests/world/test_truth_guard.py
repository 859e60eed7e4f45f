"""The hidden truth stays hidden: no ranking, index, query or training module may import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import talent

REPO = Path(talent.__file__).resolve().parents[1]
WORLD = REPO / "talent" / "world"
# Code that ranks, indexes, parses queries or trains models (checked when present).
GUARDED = (
    "index",
    "federator",
    "talent/training",
    "talent/query",
    "talent/index",
    "talent/ranking",
    "talent/features",
    "talent/expansion",
    "talent/rerank",
    "talent/personalization",
    "talent/l1",
    "talent/l2",
)
TRUTH = "talent.world.truth"


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a source file imports (``from a import b`` yields ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1]) if path.is_relative_to(REPO) else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def modules_reaching_truth() -> set[str]:
    """``talent.world.truth`` and every ``talent.world`` module that imports it, directly or not."""
    graph = {f"talent.world.{p.stem}": imported_modules(p) for p in WORLD.glob("*.py")}
    reaching = {TRUTH}
    changed = True
    while changed:
        changed = False
        for module, imports in graph.items():
            if module not in reaching and imports & reaching:
                reaching.add(module)
                changed = True
    return reaching


def violations(paths: list[Path], forbidden: set[str]) -> list[str]:
    found = []
    for path in paths:
        bad = imported_modules(path) & forbidden
        if bad:
            found.append(f"{path} imports {', '.join(sorted(bad))}")
    return found


def guarded_sources() -> list[Path]:
    return [p for d in GUARDED if (REPO / d).is_dir() for p in sorted((REPO / d).rglob("*.py"))]


def test_ranking_index_query_and_training_code_never_import_the_truth():
    forbidden = modules_reaching_truth()
    assert violations(guarded_sources(), forbidden) == []


def test_the_guard_catches_direct_and_indirect_imports(tmp_path):
    forbidden = modules_reaching_truth()
    assert {TRUTH, "talent.world.simulator", "talent.world.stats"} <= forbidden
    leaky = tmp_path / "leaky.py"
    cases = [
        "from talent.world.truth import load_truth\n",
        "import talent.world.truth as t\n",
        "from talent.world import truth\n",
        "from talent.world.simulator import simulate\n",
        "def f():\n    from talent.world.truth import Truth\n",
    ]
    for source in cases:
        leaky.write_text(source, encoding="utf-8")
        assert violations([leaky], forbidden), source
    leaky.write_text("from talent.world.config import load_world_config\n", encoding="utf-8")
    assert violations([leaky], forbidden) == []


def test_the_guard_covers_the_index_and_query_code():
    covered = {
        p.relative_to(REPO).parts[0]
        if p.relative_to(REPO).parts[0] != "talent"
        else "/".join(p.relative_to(REPO).parts[:2])
        for p in guarded_sources()
    }
    assert {"index", "federator", "talent/query"} <= covered


def test_importing_the_world_package_does_not_load_the_truth():
    code = "import sys, talent.world, talent.world.config, talent.world.state; print('talent.world.truth' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
