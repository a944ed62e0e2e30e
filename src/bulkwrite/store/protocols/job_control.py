"""The transaction's job-control area (beyond-zoho.md sections 1-3): the job list and its
filter, rows in all, the cancel flag and the rate's step (``JobControlTx``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bulkwrite.domain.job import Job, JobStatus


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Which of an org's jobs a list shows; empty ``statuses``: every state."""

    org_id: str
    statuses: tuple[JobStatus, ...] = ()
    module: str | None = None
    operation: str | None = None
    user_id: str | None = None


#: Seconds between the marks a job's rate is measured from (``count_chunk``): the rate spans
#: the chunks committed over the last one to two steps, ~10 s.
RATE_STEP = 5.0


@dataclass(frozen=True, slots=True)
class JobControl:
    """A job's data rows in all (None until counted), whether a cancel was asked for, and
    the rows a second its chunks committed over the last seconds (None: fewer than two chunk
    commits), read from the store so every process sees the same."""

    rows_total: int | None
    cancel_requested: bool
    rows_per_second: float | None = None
    #: When the last chunk committed (Unix seconds; None: none yet).
    last_commit: float | None = None
    #: The seconds ``rows_per_second`` is measured over (None: no rate).
    rate_span: float | None = None


class JobControlTx(Protocol):
    """Job control (beyond-zoho.md sections 1-3): the job list, rows in all, the cancel flag."""

    def list_jobs(
        self, where: JobFilter, limit: int, offset: int = 0, before_id: str | None = None
    ) -> list[tuple[Job, JobControl]]:
        """Up to ``limit`` of an org's jobs (with their control) newest first, after
        ``offset``, below ``before_id``."""
        ...

    def set_rows_total(self, job_id: str, rows_total: int) -> bool: ...

    def get_job_control(self, job_id: str) -> JobControl | None: ...

    def request_cancel(self, job_id: str) -> bool:
        """Compare-and-set the cancel flag of a job not ended."""
        ...
