"""Progress reporting for long world builds: a tiny protocol the CLI backs with rich."""

from __future__ import annotations

from typing import Protocol, Self


class Task(Protocol):
    def advance(self, amount: int = 1) -> None: ...

    def done(self) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: int) -> Task: ...


class _NullTask:
    def advance(self, amount: int = 1) -> None:
        return None

    def done(self) -> None:
        return None


class _NullProgress:
    def task(self, description: str, total: int) -> Task:
        return _NullTask()


null_progress: Progress = _NullProgress()


class RichProgress:
    """Progress bars on the terminal
    (``with RichProgress() as p: generate_world(..., progress=p)``)."""

    def __init__(self, disable: bool = False):
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as _Progress

        self._progress = _Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=disable,
            transient=False,
        )

    def __enter__(self) -> Self:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)

    def task(self, description: str, total: int) -> Task:
        progress = self._progress
        task_id = progress.add_task(description, total=max(total, 1))

        class _Task:
            def advance(self, amount: int = 1) -> None:
                progress.advance(task_id, amount)

            def done(self) -> None:
                progress.update(task_id, completed=max(total, 1))

        return _Task()
