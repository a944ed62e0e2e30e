"""The transaction's job area: uploaded files, jobs and their chunks (``JobTx``), and jobs
split into chunks that any worker converts (``SplitTx``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from bulkwrite.domain.identity import StoredFile
from bulkwrite.domain.job import ChunkDone, ChunkPlan, Job, JobSplit, JobStatus


class JobTx(Protocol):
    """Files, jobs and their chunks."""

    def defer_task(self, queue: str, task: str, lock: str | None, args: str) -> None:
        """Add a task (``args``: its JSON arguments) to the task table that lives in this
        database, visible to workers when this transaction commits (PostgreSQL only: the
        distributed queue's; SQLite has none)."""
        ...

    def insert_file(self, stored: StoredFile) -> None: ...

    def get_file(self, org_id: str, file_id: str) -> StoredFile | None: ...

    def insert_job(self, job: Job, file_id: str) -> None: ...

    def get_job(self, job_id: str, org_id: str | None = None) -> Job | None: ...

    def open_job_ids(self) -> list[str]: ...

    def jobs_without_task(self, queue: str) -> list[str]:
        """Open jobs none of whose tasks on ``queue`` of the database's task table is waiting
        or running (retries used up while the database was away, or deleted by hand)."""
        ...

    def count_open_jobs(self, org_id: str) -> int: ...

    def move_job(
        self,
        job_id: str,
        source: JobStatus,
        target: JobStatus,
        error: tuple[str, str] | None = None,
    ) -> None:
        """Compare-and-set the job's status; raises StateConflict if it was not ``source``."""
        ...

    def save_chunk(self, job_id: str, chunk: ChunkDone, at: float | None = None) -> None:
        """Record one chunk as done; compare-and-set on the count of chunks done. ``at``: the
        commit's time the job's rate is measured by (Unix seconds; default now)."""
        ...

    def next_resource(self, job: Job) -> None:
        """Compare-and-set: a job of several resources, as read in this transaction, has
        written its resource ``job.resource_no`` to its end and moves on to the next one."""
        ...

    def chunk_results(self, job_id: str) -> Iterator[bytes]:
        """Each chunk's rendered result rows, in input order."""
        ...

    def chunk_result(self, job_id: str, chunk_no: int) -> bytes | None:
        """One chunk's rendered result rows (None: not committed, or dropped)."""
        ...

    def mark_result_ready(self, job_id: str) -> None: ...

    def drop_chunk_results(self, job_id: str) -> None: ...

    def insert_retry(self, job_id: str, retry_of: str) -> None:
        """Record that job ``job_id`` retries rows of job ``retry_of`` (beyond-zoho.md §5)."""
        ...

    def retry_links(self, job_id: str) -> tuple[str | None, list[str]]:
        """The job ``job_id`` retries (None: none), and the jobs that retry it, oldest first."""
        ...

    def jobs_with_chunk_results(self, finished_before: datetime) -> list[str]:
        """Jobs that ended before the time and still keep their chunks' rendered rows."""
        ...

    def expired_results(self, before: datetime) -> list[str]: ...

    def expire_result(self, job_id: str) -> None: ...


class SplitTx(Protocol):
    """A job split into chunks that any worker converts; written in input order."""

    def begin_split(self, job_id: str, header: list[str]) -> None:
        """Keep the source header (the first split of the job only)."""
        ...

    def get_split(self, job_id: str) -> JobSplit | None:
        """None when the job was never split."""
        ...

    def end_split(
        self, job_id: str, chunks_total: int, error: tuple[str, str] | None = None
    ) -> None:
        """The file is read (``error``: up to a point it could not be read past)."""
        ...

    def plan_chunk(self, job_id: str, plan: ChunkPlan) -> bool:
        """Record the chunk once; False if it was planned already."""
        ...

    def chunk_plans(self, job_id: str) -> list[ChunkPlan]: ...

    def get_chunk_plan(self, job_id: str, chunk_no: int) -> ChunkPlan | None: ...

    def mark_chunk_prepared(self, job_id: str, chunk_no: int) -> None: ...

    def drop_chunk_plans(self, job_id: str) -> None: ...

    def lock_job(self, job_id: str) -> Job | None:
        """The job, locked against other writers of it until the transaction ends."""
        ...

    def live_workers(self, within: float) -> int:
        """Worker processes that showed signs of life in the last ``within`` seconds."""
        ...
