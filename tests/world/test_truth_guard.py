"""The hidden truth stays hidden: only the simulator and the evaluation's outcome protocol read it.

Every module of every package (talent, index, federator, webapp, benchmarks) is checked, from its
source: a module that imports ``talent.world.truth``, or a module that imports it, directly or
not, must be in the lists below, each with its reason. A new one fails the test, and so does a
listed one that no longer needs to be there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from import_graph import PACKAGES, REPO, import_graph, importers_of, source_files

TRUTH = "talent.world.truth"

TRUTH_READERS = {
    "talent.world.generator": "draws each world's hidden truth",
    "talent.world.simulator": "simulates recruiters and members from it",
    "talent.world.stats": "checks the simulated logs against it (`talent world stats`)",
    "talent.evaluation.simulated": "the evaluation's outcome protocol: scores rankings with it",
    "talent.world.erasure": "erases one member's hidden latents (`talent member erase`)",
    "talent.evaluation.archetypes": "groups L2's learned per-recruiter effects by the planted "
                                    "archetypes (a report, never a model input)",
    "talent.evaluation.review_sim": "simulated review sessions: the truth draws each session's "
                                    "hidden intent and the recruiter's verdicts (never a model)",
}
"""The only modules that may import the truth module itself."""

REACHING_THE_TRUTH = {
    **TRUTH_READERS,
    "talent.world.writer": "writes a generated world (imports the generator's code tables)",
    "talent.evaluation.run": "runs the outcome protocol and finds the world it simulated",
    "talent.cli.world": "`talent world generate / simulate / stats`",
    "talent.cli.evaluate": "`talent evaluate`: runs the outcome protocol",
    "benchmarks.world_generation": "times world generation and simulation",
    "benchmarks.index_build": "generates the worlds it indexes",
    "benchmarks.live_update": "generates the world it updates",
}
"""The only modules that may import the truth directly or through other modules."""

ENTRY_POINTS = ("talent.cli", "benchmarks")
"""Programs (the ``talent`` command, benchmark scripts): what imports the truth only through them
is not counted (``talent.cli`` registers every command), so no other module may import them."""


def truth_readers(graph: dict[str, set[str]]) -> set[str]:
    return {module for module, edges in graph.items() if TRUTH in edges}


def reaching_the_truth(graph: dict[str, set[str]]) -> set[str]:
    programs = [m for m in graph if m.startswith(ENTRY_POINTS)]
    return importers_of(graph, {TRUTH}, stop=programs)


def importing_programs(graph: dict[str, set[str]]) -> set[str]:
    programs = {m for m in graph if m.startswith(ENTRY_POINTS)}
    return {m for m, edges in graph.items() if m not in programs and edges & programs}


@pytest.fixture(scope="module")
def files() -> dict[str, Path]:
    return source_files()


@pytest.fixture(scope="module")
def graph(files) -> dict[str, set[str]]:
    return import_graph(files)


def test_only_the_simulator_and_the_outcome_protocol_import_the_truth(graph):
    assert truth_readers(graph) == set(TRUTH_READERS)


def test_no_other_module_reaches_the_truth_through_imports(graph):
    assert reaching_the_truth(graph) == set(REACHING_THE_TRUTH)


def test_no_module_imports_a_program(graph):
    assert importing_programs(graph) == set()


def test_every_package_is_checked(files):
    assert {module.partition(".")[0] for module in files} == set(PACKAGES)
    for package in ("talent.training", "talent.query", "talent.evaluation", "index", "federator",
                    "webapp.api", "webapp.ui"):
        assert any(m == package or m.startswith(package + ".") for m in files), package
    on_disk = {p for package in PACKAGES for p in (REPO / package).rglob("*.py")}
    assert set(files.values()) == on_disk


LEAKS = {
    "direct": "from talent.world.truth import load_truth\n",
    "aliased": "import talent.world.truth as t\n",
    "from the package": "from talent.world import truth\n",
    "in a function": "def f():\n    from talent.world.truth import Truth\n",
    "by name": "import importlib\nTRUTH = importlib.import_module('talent.world.truth')\n",
    "through the simulator": "from talent.world.simulator import simulate\n",
    "through the lazy package name": "from talent.world import simulate\n",
    "through the outcome protocol": "from talent.evaluation.simulated import simulate_held_out\n",
    "through the world writer": "from talent.world.writer import write_world\n",
}


@pytest.mark.parametrize("package",
                         ["index", "federator", "webapp", "talent.training", "talent.query"])
@pytest.mark.parametrize("source", LEAKS.values(), ids=LEAKS.keys())
def test_a_new_module_that_reaches_the_truth_fails_the_guard(files, tmp_path, package, source):
    planted = tmp_path / "planted.py"
    planted.write_text(source, encoding="utf-8")
    graph = import_graph({**files, f"{package}.planted": planted})
    assert f"{package}.planted" in reaching_the_truth(graph) - set(REACHING_THE_TRUTH)


def test_a_module_that_imports_only_the_world_config_passes(files, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from talent.world.config import load_world_config\n"
                       "from talent.world import state\n", encoding="utf-8")
    graph = import_graph({**files, "index.planted": planted})
    assert reaching_the_truth(graph) == set(REACHING_THE_TRUTH)


def test_a_module_that_imports_the_command_line_fails_the_guard(files, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from talent.cli import AppContext\n", encoding="utf-8")
    graph = import_graph({**files, "federator.planted": planted})
    assert importing_programs(graph) == {"federator.planted"}


def test_importing_the_world_package_does_not_load_the_truth():
    code = ("import sys, talent.world, talent.world.config, talent.world.state; "
            "print('talent.world.truth' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
