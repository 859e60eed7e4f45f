"""A progress bar for the feature pass over the logged searches (training and evaluation)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def feature_progress(disable: bool = False) -> Iterator[Callable[[int, int], None] | None]:
    """Yields a ``progress(done, total)`` callback drawing a rich bar (None when disabled)."""
    if disable:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("features of logged searches"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("features", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextmanager
def line_progress(disable: bool = False) -> Iterator[Callable[[int, int, int], None] | None]:
    """Yields a ``progress(order, done, total)`` callback for LINE training (None when
    disabled)."""
    if disable:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("LINE order {task.fields[order]}"), BarColumn(),
                  TextColumn("{task.completed:,.0f}/{task.total:,.0f} samples"),
                  TimeElapsedColumn(), transient=True) as bar:
        tasks: dict[int, object] = {}

        def update(order: int, done: int, total: int) -> None:
            if order not in tasks:
                tasks[order] = bar.add_task("line", total=total, order=order)
            bar.update(tasks[order], completed=done)  # type: ignore[arg-type]

        yield update
