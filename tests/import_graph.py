"""The repository's static import graph, read from the sources (no module is imported).

Every import statement counts, in function bodies too, and so do ``importlib.import_module``
calls with a literal name and names a package hands out lazily (``from talent.world import
simulate``: a module-level dict in the package's ``__init__`` mapping names to modules).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("talent", "index", "federator", "webapp", "benchmarks")
"""Every package of the product (and its benchmark scripts)."""


def module_name(path: Path, root: Path = REPO) -> str:
    """``talent/world/truth.py`` -> ``talent.world.truth`` (a package's ``__init__``: the
    package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(packages: Iterable[str] = PACKAGES, root: Path = REPO) -> dict[str, Path]:
    """Module name -> source file, for every ``.py`` file under ``packages``."""
    return {module_name(path, root): path
            for package in packages for path in sorted((root / package).rglob("*.py"))}


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[tuple[str, str]]:
    """What a module's syntax tree imports, as absolute (module, name) pairs: ``import a.b`` and
    ``import_module("a.b")`` give ``("a.b", "")``, ``from a import b`` gives ``("a", "b")``."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.update((base, alias.name) for alias in node.names)
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add((first.value, ""))
    return found


def _is_import_module(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr in ("import_module", "__import__")
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def _lazy_names(tree: ast.AST, known: Mapping[str, Path]) -> dict[str, str]:
    """Names a package ``__init__`` maps to modules in a module-level dict (lazy
    ``__getattr__``)."""
    lazy: dict[str, str] = {}
    for node in getattr(tree, "body", []):
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if not isinstance(value, ast.Dict):
            continue
        pairs = [(k.value, v.value) for k, v in zip(value.keys, value.values, strict=True)
                 if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)]
        if pairs and all(isinstance(v, str) and v in known for _, v in pairs):
            lazy.update({str(k): str(v) for k, v in pairs})
    return lazy


@functools.cache
def _parse(path: Path, mtime_ns: int) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of ``files`` it imports: ``from a import b`` is module ``a.b`` when
    there is one (or the module a package's lazy name stands for), else ``a`` itself."""
    trees = {m: _parse(p, p.stat().st_mtime_ns) for m, p in files.items()}
    packages = [m for m in trees if files[m].name == "__init__.py"]
    lazy = {m: _lazy_names(trees[m], files) for m in packages}
    graph: dict[str, set[str]] = {}
    for module, tree in trees.items():
        edges: set[str] = set()
        for base, name in _imported(tree, module, files[module].name == "__init__.py"):
            full = f"{base}.{name}" if name else base
            if full in files:
                edges.add(full)
            elif name and name in lazy.get(base, {}):
                edges.add(lazy[base][name])
            elif base in files:
                edges.add(base)
        edges.discard(module)
        graph[module] = edges
    return graph


def importers_of(graph: Mapping[str, set[str]], targets: set[str],
                 stop: Iterable[str] = ()) -> set[str]:
    """Modules that reach one of ``targets`` through imports (``targets`` excluded); modules in
    ``stop`` may be found, but what reaches ``targets`` only through them is not."""
    stopped = set(stop)
    found: set[str] = set()
    frontier = set(targets)
    while frontier:
        step = {m for m, edges in graph.items() if edges & frontier} - found - targets
        found |= step
        frontier = step - stopped
    return found
