"""Files, jobs and their chunks: one implementation for both stores, over the named queries of
``sql/common.sql``. Every state change is a compare-and-set."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from bulkwrite.clock import now
from bulkwrite.domain.identity import StoredFile
from bulkwrite.domain.job import (
    FINAL_STATES,
    ChunkDone,
    Counts,
    Job,
    JobStatus,
    ResourceProgress,
    can_move,
)
from bulkwrite.errors import StateConflict
from bulkwrite.store.base import RATE_STEP
from bulkwrite.store.serialize import (
    members_from_json,
    members_to_json,
    progress_from_json,
    progress_to_json,
    row_counts_from_json,
    row_counts_to_json,
    spec_from_json,
    spec_to_json,
)
from bulkwrite.store.sql_tx import C, Dialect, SqlTx


class JobQueries(SqlTx[C]):
    # files --------------------------------------------------------------------------------
    def insert_file(self, stored: StoredFile) -> None:
        self.run(
            "insert_file",
            id=int(stored.id),
            org_id=int(stored.org_id),
            user_id=int(stored.user_id),
            name=stored.name,
            path=stored.path,
            size=stored.size,
            encoding_hint=stored.encoding_hint,
            created_time=self.dialect.bind_time(stored.created_time),
            members=members_to_json(stored.members),
            row_counts=row_counts_to_json([csv.rows for csv in stored.csvs]),
        )

    def get_file(self, org_id: str, file_id: str) -> StoredFile | None:
        row = self.run("get_file", file_id=int(file_id), org_id=int(org_id)).fetchone()
        if row is None:
            return None
        created = self.dialect.read_time(row[7])
        members = members_from_json(row[8])
        first, *more = row_counts_from_json(row[9], 1 + len(members))
        members = tuple(replace(m, rows=n) for m, n in zip(members, more, strict=True))
        return StoredFile(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            row[3],
            row[4],
            row[5],
            row[6],
            created,
            members,
            first,
        )

    # jobs ---------------------------------------------------------------------------------
    def insert_job(self, job: Job, file_id: str) -> None:
        self.run(
            "insert_job",
            id=int(job.id),
            org_id=int(job.org_id),
            user_id=int(job.user_id),
            file_id=int(file_id),
            file_name=job.file_name,
            spec=spec_to_json(job.spec),
            status=job.status.value,
            created_time=self.dialect.bind_time(job.created_time),
        )
        self.run(
            "tag_job",
            module=job.spec.module,
            operation=job.spec.operation.value,
            job_id=int(job.id),
        )

    def get_job(self, job_id: str, org_id: str | None = None) -> Job | None:
        org = None if org_id is None else int(org_id)
        row = self.run("get_job", job_id=int(job_id), org_id=org).fetchone()
        return job_of(row, self.dialect) if row else None

    def open_job_ids(self) -> list[str]:
        return [str(row[0]) for row in self.run("open_job_ids")]

    def count_open_jobs(self, org_id: str) -> int:
        return int(self.run("count_open_jobs", org_id=int(org_id)).fetchone()[0])

    def move_job(
        self,
        job_id: str,
        source: JobStatus,
        target: JobStatus,
        error: tuple[str, str] | None = None,
    ) -> None:
        """Compare-and-set the job's status; raises StateConflict if it was not ``source``.
        A move to a final state stamps the job's finished time."""
        if not can_move(source, target):
            raise StateConflict(f"job {job_id}: {source} -> {target} is not allowed")
        finished = now() if target in FINAL_STATES else None
        code, message = error if error else (None, None)
        self.compare_and_set(
            "move_job",
            f"job {job_id} is not {source}",
            target=target.value,
            finished_time=self.dialect.bind_optional_time(finished),
            error_code=code,
            error_message=message,
            job_id=int(job_id),
            source=source.value,
        )

    def save_chunk(self, job_id: str, chunk: ChunkDone, at: float | None = None) -> None:
        """Record one chunk as done; compare-and-set on the count of chunks done. ``at``: the
        commit's time for the rate (Unix seconds; default now)."""
        self.compare_and_set(
            "count_chunk",
            f"job {job_id}: chunk {chunk.chunk_no} is not the next chunk",
            rows=chunk.rows,
            added=chunk.counts.added,
            updated=chunk.counts.updated,
            skipped=chunk.counts.skipped,
            job_id=int(job_id),
            chunk_no=chunk.chunk_no,
            now=time.time() if at is None else at,
            rate_step=RATE_STEP,
        )
        self.run(
            "insert_chunk",
            job_id=int(job_id),
            chunk_no=chunk.chunk_no,
            first_row=chunk.first_row,
            rows=chunk.rows,
            result=chunk.result,
        )

    def next_resource(self, job: Job) -> None:
        """Compare-and-set: the job of several resources ``job`` (as read in this transaction)
        has written its resource ``job.resource_no`` to its end and moves on to the next."""
        first = sum(r.chunks for r in job.resources_done)
        done = ResourceProgress(first, job.chunks_done - first, job.rows_done, job.counts)
        self.compare_and_set(
            "next_resource",
            f"job {job.id} is not writing resource {job.resource_no}",
            resources_done=progress_to_json((*job.resources_done, done)),
            job_id=int(job.id),
            resource_no=job.resource_no,
        )

    def chunk_results(self, job_id: str) -> Iterator[bytes]:
        """Each chunk's rendered result rows, in input order."""
        for (blob,) in self.stream("chunk_results", job_id=int(job_id)):
            yield bytes(blob)

    def chunk_result(self, job_id: str, chunk_no: int) -> bytes | None:
        """One chunk's rendered result rows (None: not committed, or dropped)."""
        row = self.run("chunk_result", job_id=int(job_id), chunk_no=chunk_no).fetchone()
        return None if row is None else bytes(row[0])

    def mark_result_ready(self, job_id: str) -> None:
        """Compare-and-set: ``StateConflict`` if the result was offered already."""
        self.compare_and_set(
            "mark_result_ready", f"job {job_id}: the result is ready already", job_id=int(job_id)
        )

    def drop_chunk_results(self, job_id: str) -> None:
        self.run("drop_chunk_results", job_id=int(job_id))

    def jobs_with_chunk_results(self, finished_before: datetime) -> list[str]:
        """Jobs that ended before the time and still keep their chunks' rendered rows."""
        before = self.dialect.bind_time(finished_before)
        return [str(row[0]) for row in self.run("jobs_with_chunk_results", before=before)]

    def expired_results(self, before: datetime) -> list[str]:
        rows = self.run("expired_results", before=self.dialect.bind_time(before))
        return [str(row[0]) for row in rows]

    def insert_retry(self, job_id: str, retry_of: str) -> None:
        self.run("insert_retry", job_id=int(job_id), retry_of=int(retry_of))

    def retry_links(self, job_id: str) -> tuple[str | None, list[str]]:
        """The job ``job_id`` retries (None: it is no retry), and its own retries."""
        row = self.run("retry_of", job_id=int(job_id)).fetchone()
        retries = [str(r[0]) for r in self.run("retries_of", job_id=int(job_id))]
        return (str(row[0]) if row else None), retries

    def expire_result(self, job_id: str) -> None:
        """Compare-and-set: ``StateConflict`` if the result is not offered (expired already)."""
        self.compare_and_set(
            "expire_result", f"job {job_id}: the result is not offered", job_id=int(job_id)
        )


def job_of(row: tuple[Any, ...], dialect: Dialect) -> Job:
    """A job from a row of ``get_job``'s columns."""
    return Job(
        id=str(row[0]),
        org_id=str(row[1]),
        user_id=str(row[2]),
        spec=spec_from_json(str(row[3])),
        status=JobStatus(str(row[4])),
        created_time=dialect.read_time(row[5]),
        file_name=str(row[6]),
        rows_done=int(row[7]),
        chunks_done=int(row[8]),
        counts=Counts(int(row[9]), int(row[10]), int(row[11])),
        error_code=row[12],
        error_message=row[13],
        result_ready=bool(row[14]),
        finished_time=dialect.read_optional_time(row[15]),
        resource_no=int(row[16]),
        resources_done=progress_from_json(row[17]),
    )
