"""Jobs split into chunks, in SQLite: the chunk plan."""

from __future__ import annotations

import json
import sqlite3

from bulkwrite.domain.job import ChunkPlan, JobSplit

_PLAN_COLUMNS = "chunk_no, first_row, row_count, prepared"


class SplitQueries:
    conn: sqlite3.Connection

    def begin_split(self, job_id: str, header: list[str]) -> None:
        """Keep the source header (the first split of the job only)."""
        self.conn.execute(
            "UPDATE jobs SET split_header = ? WHERE id = ? AND split_header IS NULL",
            (json.dumps(header), int(job_id)),
        )

    def get_split(self, job_id: str) -> JobSplit | None:
        row = self.conn.execute(
            "SELECT split_header, chunks_total, split_error FROM jobs WHERE id = ?", (int(job_id),)
        ).fetchone()
        if row is None or row[0] is None:
            return None
        error = tuple(json.loads(row[2])) if row[2] else None
        return JobSplit(tuple(json.loads(row[0])), row[1], error)

    def end_split(
        self, job_id: str, chunks_total: int, error: tuple[str, str] | None = None
    ) -> None:
        self.conn.execute(
            "UPDATE jobs SET chunks_total = ?, split_error = ? WHERE id = ?",
            (chunks_total, _error_json(error), int(job_id)),
        )

    def plan_chunk(self, job_id: str, plan: ChunkPlan) -> bool:
        """Record the chunk once; False if it was planned already."""
        row = self.conn.execute(
            "INSERT INTO job_chunk_plans (job_id, chunk_no, first_row, row_count) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (job_id, chunk_no) DO NOTHING RETURNING chunk_no",
            (int(job_id), plan.chunk_no, plan.first_row, plan.rows),
        ).fetchone()
        return row is not None

    def chunk_plans(self, job_id: str) -> list[ChunkPlan]:
        rows = self.conn.execute(
            f"SELECT {_PLAN_COLUMNS} FROM job_chunk_plans WHERE job_id = ? ORDER BY chunk_no",
            (int(job_id),),
        )
        return [_plan(row) for row in rows]

    def get_chunk_plan(self, job_id: str, chunk_no: int) -> ChunkPlan | None:
        row = self.conn.execute(
            f"SELECT {_PLAN_COLUMNS} FROM job_chunk_plans WHERE job_id = ? AND chunk_no = ?",
            (int(job_id), chunk_no),
        ).fetchone()
        return _plan(row) if row else None

    def mark_chunk_prepared(self, job_id: str, chunk_no: int) -> None:
        self.conn.execute(
            "UPDATE job_chunk_plans SET prepared = 1 WHERE job_id = ? AND chunk_no = ?",
            (int(job_id), chunk_no),
        )

    def live_workers(self, within: float) -> int:
        """One: the worker inside the API process (SQLite has no other)."""
        return 1

    def drop_chunk_plans(self, job_id: str) -> None:
        self.conn.execute("DELETE FROM job_chunk_plans WHERE job_id = ?", (int(job_id),))


def _plan(row: tuple[int, int, int, int]) -> ChunkPlan:
    return ChunkPlan(row[0], row[1], row[2], bool(row[3]))


def _error_json(error: tuple[str, str] | None) -> str | None:
    return json.dumps(list(error)) if error else None
