"""Imports point down: webapp -> federator -> index -> talent's domain packages, never back up.

Every module of the four packages is parsed (``ast``, imports inside functions included) and
each rule below names who may not import what. Orchestrators that run the layers above them
are named exceptions: ``talent.cli`` (the edge), ``talent.training`` (builds its datasets with
the index's one feature code) and ``talent.evaluation`` (replays searches through the federator).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("talent", "index", "federator", "webapp")
ORCHESTRATORS = ("talent.cli", "talent.training", "talent.evaluation")
#: index modules both sides share (the store formats, the schema, versions): below build and serving
INDEX_SHARED = ("index.schema", "index.forward", "index.vocab", "index.versions", "index.sharding",
                "index.guard")


@dataclass(frozen=True)
class Rule:
    name: str
    importers: tuple[str, ...]          # modules under these prefixes ...
    forbidden: tuple[str, ...]          # ... may not import modules under these
    except_importers: tuple[str, ...] = ()

    def applies_to(self, module: str) -> bool:
        return under(module, self.importers) and not under(module, self.except_importers)


RULES = (
    Rule("index imports neither the federator nor the webapp", ("index",),
         ("federator", "webapp", *ORCHESTRATORS)),
    Rule("the federator does not import the webapp", ("federator",), ("webapp", *ORCHESTRATORS)),
    Rule("talent's domain packages import no layer above them", ("talent",),
         ("index", "federator", "webapp"), except_importers=ORCHESTRATORS),
    Rule("nothing but the CLI imports the CLI", PACKAGES, ("talent.cli",),
         except_importers=("talent.cli",)),
    Rule("training does not import the evaluation or the federator", ("talent.training",),
         ("talent.evaluation", "federator", "webapp")),
    Rule("the evaluation does not import the webapp", ("talent.evaluation",), ("webapp",)),
    Rule("the logged ranking data imports neither training nor evaluation", ("talent.ranking",),
         ("talent.training", "talent.evaluation")),
    Rule("the index's shared store imports neither side", INDEX_SHARED,
         ("index.build", "index.serving", "index.l1")),
    Rule("the build side does not import the serving side", ("index.build",),
         ("index.serving", "index.l1")),
    Rule("the serving side and L1 do not import the build side", ("index.serving", "index.l1"),
         ("index.build",)),
    Rule("L1 sits below the broker", ("index.l1",), ("index.serving.broker",)),
    Rule("the serving primitives do not import L1 (only the broker and its executors run it)",
         ("index.serving",), ("index.l1",),
         except_importers=("index.serving.broker", "index.serving.executors")),
    Rule("the Ray cluster sits above both sides of the index: neither imports it",
         ("index.serving", "index.build", "index.l1", *INDEX_SHARED), ("index.cluster",)),
)


def under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(module: str, path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file (``from a import b`` counts ``a`` and
    ``a.b``: ``b`` may be a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def modules(root: Path) -> dict[str, Path]:
    return {module_name(root, p): p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))
            if "migrations" not in p.parts}


def upward_imports(root: Path, rule: Rule) -> list[str]:
    """``importer -> imported`` for every import of the tree at ``root`` that breaks ``rule``."""
    return [f"{name} -> {target}" for name, path in modules(root).items() if rule.applies_to(name)
            for target in sorted(imported_modules(name, path)) if under(target, rule.forbidden)]


def test_every_package_is_parsed():
    found = modules(REPO)
    expected = {"index.serving.broker", "federator.service", "webapp.app", "talent.training.l1"}
    assert expected <= set(found)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_no_upward_import(rule):
    assert upward_imports(REPO, rule) == []


def test_a_relative_import_resolves_to_its_package(tmp_path):
    (tmp_path / "index" / "serving").mkdir(parents=True)
    module = tmp_path / "index" / "serving" / "broker.py"
    module.write_text("from ..l1 import scoring\nfrom . import plan\n", encoding="utf-8")
    found = imported_modules("index.serving.broker", module)
    assert {"index.l1.scoring", "index.serving.plan"} <= found
