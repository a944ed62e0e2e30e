"""What ``bulkwrite import`` shows while its job is created and followed: the job id as soon
as it exists, the live progress bar, and a line when the connection drops and when it is
re-attached (the import waits an outage out instead of giving up)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from bulkwrite.client import ImportSettings, JobDetails


class Follow:
    """The callbacks an import gives ``Client.import_csv``: ``on_created`` prints the job id
    (stderr, or the ``--json`` document's ``id`` field later) and starts the bar; ``progress``
    draws it; ``on_retry`` says once per outage that the connection is being re-attached."""

    def __init__(self, label: str, rows: Callable[[], int | None], bar: bool) -> None:
        """``rows()``: the file's data rows once counted (None until then), the bar's total."""
        from bulkwrite.cli.progress import JobProgress

        self.job_id: str | None = None
        self._rows, self._total = rows, False
        self._bar = JobProgress(Console(stderr=True), rows() or 0, label, bar)
        self._stack = ExitStack()
        self._outage = False

    def __enter__(self) -> Follow:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def elapsed(self) -> float:
        """From the job's creation to its end: the time the bar's rows/s is reckoned over."""
        return self._bar.elapsed

    def on_created(self, job_id: str) -> None:
        self.job_id = job_id
        typer.echo(f"job {job_id} created", err=True)
        self._stack.enter_context(self._bar)

    def progress(self, details: JobDetails) -> None:
        if self._outage:
            self._outage = False
            typer.echo(f"re-attached to job {details.id}", err=True)
        if not self._total and (rows := self._rows()) is not None:
            self._bar.grow(rows)
            self._total = True
        self._bar.update(details)

    def on_retry(self, job_id: str, error: BaseException, pause: float) -> None:
        if self._outage:
            return
        self._outage = True
        what = f"job {job_id}" if job_id else "the job's creation"
        typer.echo(f"connection lost ({error}); re-attaching to {what}…", err=True)

    def settings(self, base: ImportSettings) -> ImportSettings:
        """``base`` with this follower's callbacks."""
        from dataclasses import replace

        return replace(
            base, on_created=self.on_created, progress=self.progress, on_retry=self.on_retry
        )
