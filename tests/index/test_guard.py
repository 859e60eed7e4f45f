from __future__ import annotations

import pytest
import tantivy

from index.guard import EngineFailure, engine_call, is_panic
from index.schema import build_schema
from index.serving import queries as Q
from index.serving.serving_index import ServingIndex
from talent.errors import QueryError


def test_a_rust_panic_becomes_a_query_error():
    with pytest.raises(QueryError, match="panicked"), engine_call("building a phrase", query=True):
        tantivy.Query.phrase_query(build_schema(), "title", ["engin"])  # one-word phrase panics


def test_a_panic_outside_a_query_becomes_an_engine_failure(built, index_dir):
    searcher = ServingIndex(index_dir).partitions[0].index.searcher()
    with pytest.raises(EngineFailure, match="Limit must be greater than "
                                            "0"), engine_call("scanning"):
        searcher.search(tantivy.Query.all_query(), 0)


def test_panics_are_recognized_and_other_errors_are_not():
    try:
        tantivy.Query.phrase_query(build_schema(), "title", ["engin"])
    except BaseException as exc:  # noqa: BLE001
        assert is_panic(exc) and not isinstance(exc, Exception)
    assert not is_panic(ValueError("x")) and not is_panic(KeyboardInterrupt())


def test_interrupts_pass_through_the_boundary():
    with pytest.raises(KeyboardInterrupt), engine_call("anything", query=True):
        raise KeyboardInterrupt


def test_search_with_limit_zero_returns_the_count_without_panicking(built, index_dir):
    part = ServingIndex(index_dir).partitions[0]
    hits = part.search(Q.all_docs(), 0)
    assert len(hits) == 0 and hits.count == part.num_docs > 0


def test_a_one_word_phrase_from_the_builder_is_a_term_query(built, index_dir):
    serving = ServingIndex(index_dir)
    assert serving.count(Q.phrase("title", "Nurse")) == serving.count(Q.text("title", "nurse")) > 0


def test_text_that_analyzes_to_nothing_matches_nothing(built, index_dir):
    assert ServingIndex(index_dir).count(Q.text("title", " -- ")) == 0


def test_unknown_fields_and_bad_values_are_query_errors():
    with pytest.raises(QueryError, match="unknown index field"):
        Q.term("salary", 3)
    with pytest.raises(QueryError, match="bad value"):
        Q.term("metro_id", "not a number")
    with pytest.raises(QueryError, match="does not support ranges"):
        Q.value_range("title", 1, 2)


def test_facets_on_a_field_without_a_fast_column_are_refused(built, index_dir):
    with pytest.raises(QueryError, match="cannot count facets of summary"):
        ServingIndex(index_dir).partitions[0].facets(Q.all_docs(), ["summary"])


def _panic_type() -> type[BaseException]:
    try:
        tantivy.Query.phrase_query(build_schema(), "title", ["engin"])
    except BaseException as exc:  # noqa: BLE001
        return type(exc)
    raise AssertionError("expected a panic")


def test_a_panic_inside_a_partition_search_is_a_query_error_in_that_thread(built,
                                                                           index_dir, monkeypatch):
    import threading

    part = ServingIndex(index_dir).partitions[0]
    panic = _panic_type()

    class PanickingSearcher:
        def search(self, *args, **kwargs):
            raise panic("index out of bounds")

    snapshot = part._snapshot
    monkeypatch.setattr(part, "_snapshot",
                        type(snapshot)(PanickingSearcher(), snapshot.forward, snapshot.deltas))
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            part.search(Q.all_docs(), 5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], QueryError) and "panicked" in str(errors[0])
    monkeypatch.setattr(part, "_snapshot", snapshot)
    assert part.search(Q.all_docs(), 5).count == part.num_docs
