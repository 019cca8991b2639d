"""Live progress bars on stderr: a job's items (items/s, ETA) and a download's bytes."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from .models import JobStatus


class ItemsPerSecondColumn(ProgressColumn):
    """rich has a bytes/s column only; labels are counted in items."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} items/s" if speed else "- items/s", style="progress.data.speed")


class _Bar:
    def __init__(self, progress: Progress, description: str) -> None:
        self._progress = progress
        self._task: TaskID = progress.add_task(description, total=None)

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()


class JobProgress(_Bar):
    """Items of a job while `wait` polls; indeterminate until the server has counted them."""

    def __init__(self, console: Console, job_id: str, *, enabled: bool) -> None:
        self._job_id = job_id
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            ItemsPerSecondColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        super().__init__(progress, f"{job_id} pending")

    def update(self, status: JobStatus) -> None:
        # total_items is 0 until the render service resolves the filters; a bar of 0 would read
        # as "done", so it stays indeterminate (pulsing) until then, unless the job is over.
        total = status.total_items if status.total_items or status.is_terminal else None
        self._progress.update(
            self._task,
            total=total,
            completed=status.processed_items,
            description=f"{self._job_id} {status.status}",
        )


class DownloadProgress(_Bar):
    def __init__(self, console: Console, filename: str, *, total: int | None, enabled: bool) -> None:
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        super().__init__(progress, f"download {filename}")
        self._progress.update(self._task, total=total)  # known from the status before any byte

    def update(self, done: int, total: int | None) -> None:
        self._progress.update(self._task, completed=done, total=total)
