"""The live progress bar of ``bulkwrite import``: rows done of total, rows/s, ETA, tallies."""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

if TYPE_CHECKING:
    from bulkwrite.client import JobDetails

PHASES = {"ADDED": "queued", "INPROGRESS": "importing", "COMPLETED": "done", "FAILED": "failed"}


class DoneColumn(ProgressColumn):
    """``1,234/5,000 rows``: counts with thousands separators, as everywhere else."""

    def render(self, task: Task) -> Text:
        total = int(task.total or 0)
        unit = "row" if total == 1 else "rows"
        return Text(f"{int(task.completed):,}/{total:,} {unit}", style="progress.download")


class RateColumn(ProgressColumn):
    """Rows per second: the rows done over the time since the job was created, as the summary
    reckons it (``JobProgress.elapsed``), else rich's moving estimate."""

    def render(self, task: Task) -> Text:
        speed = task.fields.get("rate") or task.finished_speed or task.speed
        if speed is None and task.completed and task.elapsed:
            speed = task.completed / task.elapsed  # too few polls for a moving estimate
        return Text("- rows/s" if speed is None else f"{speed:,.0f} rows/s")


class _TwoLines(Progress):
    """The bar on one line, the tallies on the next: both fit an 80-column terminal."""

    tally = ""

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        if self.tally:
            yield Text(self.tally, style="dim")


def tally(details: JobDetails) -> str:
    counts = details.counts
    return f"  added {counts.added:,}  updated {counts.updated:,}  skipped {counts.skipped:,}"


class JobProgress:
    """A context manager; feed it every polled ``JobDetails`` through ``update``.

    Drawn on ``console`` (stderr by convention). On a terminal it redraws in place; elsewhere
    rich prints its final state once. ``enabled=False`` draws nothing.
    """

    def __init__(self, console: Console, total_rows: int, label: str, enabled: bool = True):
        self._progress = _TwoLines(
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            DoneColumn(),
            RateColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            refresh_per_second=4,
        )
        self._label = label
        self._task = self._progress.add_task(f"{label} queued", total=total_rows)
        self.started = time.monotonic()
        self._finished: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds from the start (``__enter__``: the job was created) to the end of the job
        (the first ended details), or to now while it runs."""
        return (self._finished or time.monotonic()) - self.started

    def __enter__(self) -> JobProgress:
        self.started = time.monotonic()
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def grow(self, total_rows: int) -> None:
        """Raise the bar's total to ``total_rows`` (known once the server counted them)."""
        total = self._progress.tasks[0].total or 0
        self._progress.update(self._task, total=max(total, total_rows))

    def update(self, details: JobDetails) -> None:
        """Show the rows processed so far (``total_count``) and the tallies."""
        phase = PHASES.get(details.status, details.status.lower())
        done = details.counts.total
        total = self._progress.tasks[0].total or 0
        if details.status != "ADDED":
            self._progress.tally = tally(details)
        if details.done and self._finished is None:
            self._finished = time.monotonic()
        elapsed = self.elapsed
        self._progress.update(
            self._task,
            completed=done,
            total=max(total, done),
            description=f"{self._label} {phase}",
            rate=done / elapsed if done and elapsed > 0 else None,
        )
