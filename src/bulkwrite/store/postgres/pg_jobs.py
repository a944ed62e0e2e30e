"""Files, jobs and their chunks in PostgreSQL. Every state change is a compare-and-set."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from psycopg import Connection

from bulkwrite.clock import now
from bulkwrite.domain.identity import StoredFile
from bulkwrite.domain.job import FINAL_STATES, Counts, Job, JobStatus, can_move
from bulkwrite.errors import StateConflict
from bulkwrite.store.postgres.pg_control import utc
from bulkwrite.store.serialize import spec_from_json, spec_to_json

INSERT_FILE = """INSERT INTO files (id, org_id, user_id, name, path, size, encoding_hint,
    created_time) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"""
GET_FILE = """SELECT id, org_id, user_id, name, path, size, encoding_hint, created_time
    FROM files WHERE id = %s AND org_id = %s"""
INSERT_JOB = """INSERT INTO jobs (id, org_id, user_id, file_id, file_name, spec, status,
    created_time) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"""
_JOB_COLUMNS = """id, org_id, user_id, spec, status, created_time, file_name, rows_done,
    chunks_done, added, updated, skipped, error_code, error_message, result_ready,
    finished_time"""
GET_JOB = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = %s"
GET_ORG_JOB = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = %s AND org_id = %s"
OPEN_JOB_IDS = "SELECT id FROM jobs WHERE status IN ('ADDED', 'INPROGRESS') ORDER BY id"
COUNT_OPEN_JOBS = """SELECT count(*) FROM jobs
    WHERE org_id = %s AND status IN ('ADDED', 'INPROGRESS')"""
MOVE_JOB = """UPDATE jobs SET status = %s, finished_time = coalesce(%s, finished_time),
    error_code = coalesce(%s, error_code), error_message = coalesce(%s, error_message)
    WHERE id = %s AND status = %s"""
COUNT_CHUNK = """UPDATE jobs SET chunks_done = chunks_done + 1, rows_done = rows_done + %s,
    added = added + %s, updated = updated + %s, skipped = skipped + %s
    WHERE id = %s AND chunks_done = %s AND status = 'INPROGRESS'"""
INSERT_CHUNK = """INSERT INTO job_chunks (job_id, chunk_no, first_row, row_count, result)
    VALUES (%s, %s, %s, %s, %s)"""
CHUNK_RESULTS = "SELECT result FROM job_chunks WHERE job_id = %s ORDER BY chunk_no"
MARK_RESULT_READY = "UPDATE jobs SET result_ready = TRUE WHERE id = %s"
DROP_CHUNK_RESULTS = "DELETE FROM job_chunks WHERE job_id = %s"
EXPIRED_RESULTS = "SELECT id FROM jobs WHERE result_ready AND finished_time < %s ORDER BY id"
WITH_CHUNK_RESULTS = (
    "SELECT id FROM jobs WHERE finished_time < %s AND EXISTS "
    "(SELECT 1 FROM job_chunks c WHERE c.job_id = jobs.id) ORDER BY id"
)
EXPIRE_RESULT = "UPDATE jobs SET result_ready = FALSE WHERE id = %s"

#: Chunk results fetched per round trip while streaming a result file.
CHUNKS_PER_FETCH = 16

_cursor_names = itertools.count()


JOBS_WITHOUT_TASK = """
SELECT j.id FROM jobs j
WHERE j.status IN ('ADDED', 'INPROGRESS') AND NOT EXISTS (
    SELECT 1 FROM procrastinate_jobs t
    WHERE t.queue_name = %s AND t.status IN ('todo', 'doing') AND t.args->>'job_id' = j.id::text
)
ORDER BY j.id
"""
DEFER_TASK = """
SELECT procrastinate_defer_jobs_v1(ARRAY[
    ROW(%s, %s, 0, %s, NULL, %s::jsonb, NULL)::procrastinate_job_to_defer_v1
])
"""


class JobQueries:
    conn: Connection[Any]

    def defer_task(self, queue: str, task: str, lock: str | None, args: str) -> None:
        """Add a procrastinate task in this transaction: workers see it when it commits."""
        self.conn.execute(DEFER_TASK, (queue, task, lock, args))

    # files --------------------------------------------------------------------------------
    def insert_file(self, stored: StoredFile) -> None:
        self.conn.execute(
            INSERT_FILE,
            (
                int(stored.id),
                int(stored.org_id),
                int(stored.user_id),
                stored.name,
                stored.path,
                stored.size,
                stored.encoding_hint,
                stored.created_time,
            ),
        )

    def get_file(self, org_id: str, file_id: str) -> StoredFile | None:
        row = self.conn.execute(GET_FILE, (int(file_id), int(org_id))).fetchone()
        if row is None:
            return None
        return StoredFile(
            str(row[0]), str(row[1]), str(row[2]), row[3], row[4], row[5], row[6], utc(row[7])
        )

    # jobs ---------------------------------------------------------------------------------
    def insert_job(self, job: Job, file_id: str) -> None:
        self.conn.execute(
            INSERT_JOB,
            (
                int(job.id),
                int(job.org_id),
                int(job.user_id),
                int(file_id),
                job.file_name,
                spec_to_json(job.spec),
                job.status.value,
                job.created_time,
            ),
        )

    def get_job(self, job_id: str, org_id: str | None = None) -> Job | None:
        if org_id is None:
            row = self.conn.execute(GET_JOB, (int(job_id),)).fetchone()
        else:
            row = self.conn.execute(GET_ORG_JOB, (int(job_id), int(org_id))).fetchone()
        return _job(row) if row else None

    def jobs_without_task(self, queue: str) -> list[str]:
        """Open jobs none of whose tasks on ``queue`` is waiting or running."""
        return [str(r[0]) for r in self.conn.execute(JOBS_WITHOUT_TASK, (queue,))]

    def open_job_ids(self) -> list[str]:
        return [str(r[0]) for r in self.conn.execute(OPEN_JOB_IDS)]

    def count_open_jobs(self, org_id: str) -> int:
        row = self.conn.execute(COUNT_OPEN_JOBS, (int(org_id),)).fetchone()
        return int(row[0]) if row else 0

    def move_job(
        self,
        job_id: str,
        source: JobStatus,
        target: JobStatus,
        error: tuple[str, str] | None = None,
    ) -> None:
        """Compare-and-set the job's status; raises StateConflict if it was not ``source``."""
        if not can_move(source, target):
            raise StateConflict(f"job {job_id}: {source} -> {target} is not allowed")
        finished = now() if target in FINAL_STATES else None
        code, message = error if error else (None, None)
        cur = self.conn.execute(
            MOVE_JOB, (target.value, finished, code, message, int(job_id), source.value)
        )
        if cur.rowcount != 1:
            raise StateConflict(f"job {job_id} is not {source}")

    def save_chunk(
        self, job_id: str, chunk_no: int, first_row: int, counts: Counts, rows: int, result: bytes
    ) -> None:
        """Record one chunk as done; compare-and-set on the count of chunks done."""
        cur = self.conn.execute(
            COUNT_CHUNK,
            (rows, counts.added, counts.updated, counts.skipped, int(job_id), chunk_no),
        )
        if cur.rowcount != 1:
            raise StateConflict(f"job {job_id}: chunk {chunk_no} is not the next chunk")
        self.conn.execute(INSERT_CHUNK, (int(job_id), chunk_no, first_row, rows, result))

    def chunk_results(self, job_id: str) -> Iterator[bytes]:
        """Each chunk's rendered result rows, in input order, streamed by a server cursor."""
        name = f"bw_chunks_{next(_cursor_names)}"
        with self.conn.cursor(name=name) as cur:
            cur.itersize = CHUNKS_PER_FETCH
            cur.execute(CHUNK_RESULTS, (int(job_id),))
            for (blob,) in cur:
                yield bytes(blob)

    def mark_result_ready(self, job_id: str) -> None:
        self.conn.execute(MARK_RESULT_READY, (int(job_id),))

    def drop_chunk_results(self, job_id: str) -> None:
        self.conn.execute(DROP_CHUNK_RESULTS, (int(job_id),))

    def jobs_with_chunk_results(self, finished_before: datetime) -> list[str]:
        """Jobs that ended before the time and still keep their chunks' rendered rows."""
        return [str(r[0]) for r in self.conn.execute(WITH_CHUNK_RESULTS, (finished_before,))]

    def expired_results(self, before: datetime) -> list[str]:
        return [str(r[0]) for r in self.conn.execute(EXPIRED_RESULTS, (before,))]

    def expire_result(self, job_id: str) -> None:
        self.conn.execute(EXPIRE_RESULT, (int(job_id),))


def _job(row: tuple[Any, ...]) -> Job:
    return Job(
        id=str(row[0]),
        org_id=str(row[1]),
        user_id=str(row[2]),
        spec=spec_from_json(str(row[3])),
        status=JobStatus(str(row[4])),
        created_time=utc(row[5]),
        file_name=str(row[6]),
        rows_done=int(row[7]),
        chunks_done=int(row[8]),
        counts=Counts(int(row[9]), int(row[10]), int(row[11])),
        error_code=row[12],
        error_message=row[13],
        result_ready=bool(row[14]),
        finished_time=None if row[15] is None else utc(row[15]),
    )
