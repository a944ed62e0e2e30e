"""Jobs split into chunks (``services/run/split.py``): the chunk plan, and the job's row lock
that orders its writers. One implementation for both stores, over the named queries of
``sql/common.sql`` (``lock_job``: of each store's own file)."""

from __future__ import annotations

import json
from typing import Any

from bulkwrite.domain.job import ChunkPlan, Job, JobSplit
from bulkwrite.store.jobs import job_of
from bulkwrite.store.sql_tx import C, SqlTx


class SplitQueries(SqlTx[C]):
    def begin_split(self, job_id: str, header: list[str]) -> None:
        """Keep the source header (the first split of the job only)."""
        self.run("begin_split", header=json.dumps(header), job_id=int(job_id))

    def get_split(self, job_id: str) -> JobSplit | None:
        row = self.run("get_split", job_id=int(job_id)).fetchone()
        if row is None or row[0] is None:
            return None
        error = tuple(json.loads(row[2])) if row[2] else None
        return JobSplit(tuple(json.loads(row[0])), row[1], error)

    def end_split(
        self, job_id: str, chunks_total: int, error: tuple[str, str] | None = None
    ) -> None:
        """Compare-and-set: ``StateConflict`` if the split had ended already."""
        error_json = json.dumps(list(error)) if error else None
        self.compare_and_set(
            "end_split",
            f"job {job_id}: the split has ended already",
            chunks_total=chunks_total,
            error=error_json,
            job_id=int(job_id),
        )

    def plan_chunk(self, job_id: str, plan: ChunkPlan) -> bool:
        """Record the chunk once; False if it was planned already."""
        planned = self.run(
            "plan_chunk",
            job_id=int(job_id),
            chunk_no=plan.chunk_no,
            first_row=plan.first_row,
            rows=plan.rows,
        )
        return planned.fetchone() is not None

    def chunk_plans(self, job_id: str) -> list[ChunkPlan]:
        return [_plan(row) for row in self.run("chunk_plans", job_id=int(job_id))]

    def get_chunk_plan(self, job_id: str, chunk_no: int) -> ChunkPlan | None:
        row = self.run("get_chunk_plan", job_id=int(job_id), chunk_no=chunk_no).fetchone()
        return _plan(row) if row else None

    def mark_chunk_prepared(self, job_id: str, chunk_no: int) -> None:
        """Compare-and-set: ``StateConflict`` if the chunk was prepared already (or unplanned)."""
        self.compare_and_set(
            "mark_chunk_prepared",
            f"job {job_id}: chunk {chunk_no} is prepared already",
            job_id=int(job_id),
            chunk_no=chunk_no,
        )

    def drop_chunk_plans(self, job_id: str) -> None:
        self.run("drop_chunk_plans", job_id=int(job_id))

    def lock_job(self, job_id: str) -> Job | None:
        """The job, locked against other writers of it until the transaction ends."""
        row = self.run("lock_job", job_id=int(job_id)).fetchone()
        return job_of(row, self.dialect) if row else None


def _plan(row: tuple[Any, ...]) -> ChunkPlan:
    return ChunkPlan(int(row[0]), int(row[1]), int(row[2]), bool(row[3]))
