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
