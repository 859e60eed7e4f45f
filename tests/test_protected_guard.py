"""Protected data stays in its room: gender is read by the re-ranking stage and the audit only.

As the truth guard does for the hidden truth, every module of every package is checked from its
source: a module that imports the protected store (:mod:`talent.protected`) must be in the list
below, and so must a module whose source names the ``member_protected`` table. A new one fails
the test, and so does a listed one that no longer needs to be there. Gender is also never a
field of the index, the forward store, the L1 features, the facets or the query language.
"""

from __future__ import annotations

import pytest
from import_graph import import_graph, source_files

STORE = "talent.protected"

STORE_READERS = {
    "federator.rerank": "representative re-ranking: the gender mix of the pool and the top k",
    "talent.evaluation.audit.data": "the fairness audit: groups of the logged and ranked members",
}
"""The only modules that may import the protected store."""

TABLE_MENTIONS = {
    "talent.protected": "the store: reads the table",
    "talent.storage.models": "defines the table",
    "talent.migrations.versions.0001_initial_schema": "creates the table",
    "talent.world.writer": "writes a generated world's rows",
    "talent.world.stats": "checks the generator's gender base rates (`talent world stats`)",
    "talent.storage.erasure": "deletes an erased member's row (`talent member erase`)",
}
"""The only modules whose source names the protected table (or its ORM class)."""


@pytest.fixture(scope="module")
def files():
    return source_files()


@pytest.fixture(scope="module")
def graph(files):
    return import_graph(files)


def store_readers(graph: dict[str, set[str]]) -> set[str]:
    return {module for module, edges in graph.items() if STORE in edges}


def test_only_the_rerank_stage_and_the_audit_import_the_protected_store(graph):
    assert store_readers(graph) == set(STORE_READERS)


def test_only_the_listed_modules_name_the_protected_table(files):
    naming = {module for module, path in files.items()
              if any(word in path.read_text(encoding="utf-8")
                     for word in ("member_protected", "MemberProtected"))}
    assert naming == set(TABLE_MENTIONS)


LEAKS = {
    "direct": "from talent.protected import load_gender_store\n",
    "aliased": "import talent.protected as p\n",
    "from the package": "from talent import protected\n",
    "in a function": "def f():\n    from talent.protected import GenderStore\n",
    "by name": "import importlib\nP = importlib.import_module('talent.protected')\n",
}


@pytest.mark.parametrize("package", ["federator", "talent.training"])
@pytest.mark.parametrize("source", LEAKS.values(), ids=LEAKS.keys())
def test_a_new_module_that_imports_the_store_fails_the_guard(files, tmp_path, package, source):
    planted = tmp_path / "planted.py"
    planted.write_text(source, encoding="utf-8")
    graph = import_graph({**files, f"{package}.planted": planted})
    assert store_readers(graph) - set(STORE_READERS) == {f"{package}.planted"}


PROTECTED_WORDS = ("gender", "sex", "female", "male")


def _protected(name: str) -> bool:
    return any(word in name.lower().replace("-", "_").split("_") for word in PROTECTED_WORDS)


def test_gender_is_no_field_of_the_index_or_its_facets():
    from index.schema import FACET_FIELDS, FIELDS

    assert not [f.name for f in FIELDS if _protected(f.name)]
    assert not [f for f in FACET_FIELDS if _protected(f)]


def test_gender_is_no_column_of_the_forward_store():
    from index.forward import COLUMNS, CSR_FIELDS

    assert not [c for c in (*COLUMNS, *CSR_FIELDS) if _protected(c)]


def test_gender_is_no_l1_feature():
    from index.l1.features import FEATURE_NAMES

    assert not [f for f in FEATURE_NAMES if _protected(f)]


def test_the_query_language_has_no_gender_field():
    from talent.errors import QueryError
    from talent.query.ast import FIELDS
    from talent.query.lexer import tokenize

    assert not [f for f in FIELDS if _protected(f)]
    with pytest.raises(QueryError, match="unknown field prefix"):
        tokenize("nurse gender:female")


def test_the_structured_query_refuses_a_gender_filter():
    from pydantic import ValidationError

    from talent.query.structured import StructuredQuery

    assert not [f for f in StructuredQuery.model_fields if _protected(f)]
    with pytest.raises(ValidationError):
        StructuredQuery.model_validate({"text": "nurse", "gender": "female"})
