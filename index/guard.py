"""The Tantivy boundary: Rust panics and engine errors become clear ``TalentError``s.

A Rust panic reaches Python as ``pyo3_runtime.PanicException``, which derives from
``BaseException``: ``except Exception`` lets it through and it would kill a web worker or a
partition thread. Every call into Tantivy that a query or a document can steer runs inside
:func:`engine_call`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from talent.errors import IndexUnavailable, QueryError


class EngineFailure(IndexUnavailable):
    """Tantivy failed (a panic or an I/O error) while doing something that is not a query."""


def is_panic(exc: BaseException) -> bool:
    """True for ``pyo3_runtime.PanicException`` (not importable by name, so matched by type)."""
    return any(t.__name__ == "PanicException" and t.__module__ == "pyo3_runtime"
               for t in type(exc).__mro__)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def engine_call(action: str, *, query: bool = False) -> Iterator[None]:
    """Run Tantivy code; panics and ``ValueError``s become :class:`QueryError` when ``query``
    (the request was at fault) or :class:`EngineFailure` otherwise. ``KeyboardInterrupt`` and
    ``SystemExit`` pass through untouched."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        if is_panic(exc):
            reason = f"the search engine panicked while {action}: {_first_line(exc)}"
        elif isinstance(exc, (ValueError, OSError)):
            reason = f"the search engine failed while {action}: {_first_line(exc)}"
        else:
            raise
        if query:
            raise QueryError(reason) from exc
        raise EngineFailure(reason) from exc
