"""Progress bars on a terminal, nothing otherwise (cron logs stay clean)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class _Bar:
    def __init__(self, progress: Progress | None, task: int | None) -> None:
        self._progress, self._task = progress, task

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)


@contextmanager
def progress_bar(label: str, *, enabled: bool, total: int | None = None) -> Iterator[_Bar]:
    if not enabled:
        yield _Bar(None, None)
        return
    columns = (TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        yield _Bar(progress, progress.add_task(label, total=total))
