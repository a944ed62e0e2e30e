"""Files, jobs and their chunks in SQLite. Every state change is a compare-and-set."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime

from bulkwrite.clock import iso, now, parse_iso
from bulkwrite.domain.identity import StoredFile
from bulkwrite.domain.job import FINAL_STATES, Counts, Job, JobStatus, can_move
from bulkwrite.errors import StateConflict
from bulkwrite.store.serialize import spec_from_json, spec_to_json

_JOB_COLUMNS = """id, org_id, user_id, spec, status, created_time, file_name, rows_done,
    chunks_done, added, updated, skipped, error_code, error_message, result_ready,
    finished_time"""


class JobQueries:
    conn: sqlite3.Connection

    def defer_task(self, queue: str, task: str, lock: str | None, args: str) -> None:
        """SQLite has no task table: its jobs run on the in-process queue."""
        raise NotImplementedError("SQLite has no task table; use the in-process queue")

    # files --------------------------------------------------------------------------------
    def insert_file(self, stored: StoredFile) -> None:
        self.conn.execute(
            "INSERT INTO files (id, org_id, user_id, name, path, size, encoding_hint, "
            "created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                int(stored.id),
                int(stored.org_id),
                int(stored.user_id),
                stored.name,
                stored.path,
                stored.size,
                stored.encoding_hint,
                iso(stored.created_time),
            ),
        )

    def get_file(self, org_id: str, file_id: str) -> StoredFile | None:
        row = self.conn.execute(
            "SELECT id, org_id, user_id, name, path, size, encoding_hint, created_time "
            "FROM files WHERE id = ? AND org_id = ?",
            (int(file_id), int(org_id)),
        ).fetchone()
        if row is None:
            return None
        return StoredFile(
            str(row[0]), str(row[1]), str(row[2]), row[3], row[4], row[5], row[6], parse_iso(row[7])
        )

    # jobs ---------------------------------------------------------------------------------
    def insert_job(self, job: Job, file_id: str) -> None:
        self.conn.execute(
            "INSERT INTO jobs (id, org_id, user_id, file_id, file_name, spec, status, "
            "created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                int(job.id),
                int(job.org_id),
                int(job.user_id),
                int(file_id),
                job.file_name,
                spec_to_json(job.spec),
                job.status.value,
                iso(job.created_time),
            ),
        )

    def get_job(self, job_id: str, org_id: str | None = None) -> Job | None:
        sql = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?"
        params: tuple[int, ...] = (int(job_id),)
        if org_id is not None:
            sql += " AND org_id = ?"
            params += (int(org_id),)
        row = self.conn.execute(sql, params).fetchone()
        return _job(row) if row else None

    def lock_job(self, job_id: str) -> Job | None:
        """The job (a write transaction already holds the database's one write lock)."""
        return self.get_job(job_id)

    def jobs_without_task(self, queue: str) -> list[str]:
        """None: SQLite has no task table (the embedded worker enqueues every open job at start)."""
        return []

    def open_job_ids(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT id FROM jobs WHERE status IN ('ADDED', 'INPROGRESS') ORDER BY id"
        )
        return [str(r[0]) for r in rows]

    def count_open_jobs(self, org_id: str) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM jobs WHERE org_id = ? AND status IN ('ADDED', 'INPROGRESS')",
            (int(org_id),),
        ).fetchone()
        return int(row[0])

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
        finished = iso(now()) if target in FINAL_STATES else None
        code, message = error if error else (None, None)
        cur = self.conn.execute(
            "UPDATE jobs SET status = ?, finished_time = coalesce(?, finished_time), "
            "error_code = coalesce(?, error_code), error_message = coalesce(?, error_message) "
            "WHERE id = ? AND status = ?",
            (target.value, finished, code, message, int(job_id), source.value),
        )
        if cur.rowcount != 1:
            raise StateConflict(f"job {job_id} is not {source}")

    def save_chunk(
        self, job_id: str, chunk_no: int, first_row: int, counts: Counts, rows: int, result: bytes
    ) -> None:
        """Record one chunk as done; compare-and-set on the count of chunks done."""
        cur = self.conn.execute(
            "UPDATE jobs SET chunks_done = chunks_done + 1, rows_done = rows_done + ?, "
            "added = added + ?, updated = updated + ?, skipped = skipped + ? "
            "WHERE id = ? AND chunks_done = ? AND status = 'INPROGRESS'",
            (rows, counts.added, counts.updated, counts.skipped, int(job_id), chunk_no),
        )
        if cur.rowcount != 1:
            raise StateConflict(f"job {job_id}: chunk {chunk_no} is not the next chunk")
        self.conn.execute(
            "INSERT INTO job_chunks (job_id, chunk_no, first_row, row_count, result) "
            "VALUES (?, ?, ?, ?, ?)",
            (int(job_id), chunk_no, first_row, rows, result),
        )

    def chunk_results(self, job_id: str) -> Iterator[bytes]:
        """Each chunk's rendered result rows, in input order."""
        cur = self.conn.execute(
            "SELECT result FROM job_chunks WHERE job_id = ? ORDER BY chunk_no", (int(job_id),)
        )
        for (blob,) in cur:
            yield bytes(blob)

    def mark_result_ready(self, job_id: str) -> None:
        self.conn.execute("UPDATE jobs SET result_ready = 1 WHERE id = ?", (int(job_id),))

    def drop_chunk_results(self, job_id: str) -> None:
        self.conn.execute("DELETE FROM job_chunks WHERE job_id = ?", (int(job_id),))

    def jobs_with_chunk_results(self, finished_before: datetime) -> list[str]:
        """Jobs that ended before the time and still keep their chunks' rendered rows."""
        rows = self.conn.execute(
            "SELECT id FROM jobs WHERE finished_time < ? AND EXISTS "
            "(SELECT 1 FROM job_chunks c WHERE c.job_id = jobs.id) ORDER BY id",
            (iso(finished_before),),
        )
        return [str(r[0]) for r in rows]

    def expired_results(self, before: datetime) -> list[str]:
        rows = self.conn.execute(
            "SELECT id FROM jobs WHERE result_ready = 1 AND finished_time < ? ORDER BY id",
            (iso(before),),
        )
        return [str(r[0]) for r in rows]

    def expire_result(self, job_id: str) -> None:
        self.conn.execute("UPDATE jobs SET result_ready = 0 WHERE id = ?", (int(job_id),))


def _job(row: tuple[object, ...]) -> Job:
    return Job(
        id=str(row[0]),
        org_id=str(row[1]),
        user_id=str(row[2]),
        spec=spec_from_json(str(row[3])),
        status=JobStatus(str(row[4])),
        created_time=parse_iso(str(row[5])),
        file_name=str(row[6]),
        rows_done=int(str(row[7])),
        chunks_done=int(str(row[8])),
        counts=Counts(int(str(row[9])), int(str(row[10])), int(str(row[11]))),
        error_code=None if row[12] is None else str(row[12]),
        error_message=None if row[13] is None else str(row[13]),
        result_ready=bool(row[14]),
        finished_time=None if row[15] is None else parse_iso(str(row[15])),
    )
