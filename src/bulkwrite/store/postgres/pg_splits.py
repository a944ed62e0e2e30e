"""Jobs split across workers, in PostgreSQL: the chunk plan, and the row lock that orders writes."""

from __future__ import annotations

import json
from typing import Any

from psycopg import Connection

from bulkwrite.domain.job import ChunkPlan, Job, JobSplit
from bulkwrite.store.postgres.pg_jobs import GET_JOB, _job

BEGIN_SPLIT = "UPDATE jobs SET split_header = %s WHERE id = %s AND split_header IS NULL"
GET_SPLIT = "SELECT split_header, chunks_total, split_error FROM jobs WHERE id = %s"
END_SPLIT = "UPDATE jobs SET chunks_total = %s, split_error = %s WHERE id = %s"
PLAN_CHUNK = """INSERT INTO job_chunk_plans (job_id, chunk_no, first_row, row_count)
    VALUES (%s, %s, %s, %s) ON CONFLICT (job_id, chunk_no) DO NOTHING RETURNING chunk_no"""
_PLAN_COLUMNS = "chunk_no, first_row, row_count, prepared"
CHUNK_PLANS = f"SELECT {_PLAN_COLUMNS} FROM job_chunk_plans WHERE job_id = %s ORDER BY chunk_no"
GET_CHUNK_PLAN = f"SELECT {_PLAN_COLUMNS} FROM job_chunk_plans WHERE job_id = %s AND chunk_no = %s"
MARK_PREPARED = "UPDATE job_chunk_plans SET prepared = TRUE WHERE job_id = %s AND chunk_no = %s"
DROP_PLANS = "DELETE FROM job_chunk_plans WHERE job_id = %s"
LOCK_JOB = GET_JOB + " FOR UPDATE"
LIVE_WORKERS = """SELECT count(*) FROM procrastinate_workers
    WHERE last_heartbeat > now() - make_interval(secs => %s)"""


class SplitQueries:
    conn: Connection[Any]

    def begin_split(self, job_id: str, header: list[str]) -> None:
        """Keep the source header (the first split of the job only)."""
        self.conn.execute(BEGIN_SPLIT, (json.dumps(header), int(job_id)))

    def get_split(self, job_id: str) -> JobSplit | None:
        row = self.conn.execute(GET_SPLIT, (int(job_id),)).fetchone()
        if row is None or row[0] is None:
            return None
        error = tuple(json.loads(row[2])) if row[2] else None
        return JobSplit(tuple(json.loads(row[0])), row[1], error)

    def end_split(
        self, job_id: str, chunks_total: int, error: tuple[str, str] | None = None
    ) -> None:
        self.conn.execute(END_SPLIT, (chunks_total, _error_json(error), int(job_id)))

    def plan_chunk(self, job_id: str, plan: ChunkPlan) -> bool:
        """Record the chunk once; False if it was planned already."""
        cur = self.conn.execute(PLAN_CHUNK, (int(job_id), plan.chunk_no, plan.first_row, plan.rows))
        return cur.fetchone() is not None

    def chunk_plans(self, job_id: str) -> list[ChunkPlan]:
        return [ChunkPlan(*row) for row in self.conn.execute(CHUNK_PLANS, (int(job_id),))]

    def get_chunk_plan(self, job_id: str, chunk_no: int) -> ChunkPlan | None:
        row = self.conn.execute(GET_CHUNK_PLAN, (int(job_id), chunk_no)).fetchone()
        return ChunkPlan(*row) if row else None

    def mark_chunk_prepared(self, job_id: str, chunk_no: int) -> None:
        self.conn.execute(MARK_PREPARED, (int(job_id), chunk_no))

    def drop_chunk_plans(self, job_id: str) -> None:
        self.conn.execute(DROP_PLANS, (int(job_id),))

    def live_workers(self, within: float) -> int:
        """Worker processes that sent a heartbeat in the last ``within`` seconds."""
        row = self.conn.execute(LIVE_WORKERS, (within,)).fetchone()
        return int(row[0]) if row else 0

    def lock_job(self, job_id: str) -> Job | None:
        """The job, its row locked until this transaction ends (writers of a job queue here)."""
        row = self.conn.execute(LOCK_JOB, (int(job_id),)).fetchone()
        return _job(row) if row else None


def _error_json(error: tuple[str, str] | None) -> str | None:
    return json.dumps(list(error)) if error else None
