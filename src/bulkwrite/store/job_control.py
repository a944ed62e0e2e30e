"""Job control (beyond-zoho.md sections 1-3): the job list, the rows a job has in all and
its cancel flag; one implementation for both stores over ``sql/common.sql``."""

from __future__ import annotations

from bulkwrite.domain.job import Job
from bulkwrite.store.base import JobControl, JobFilter
from bulkwrite.store.jobs import job_of
from bulkwrite.store.sql_tx import C, SqlTx

#: Above every id the store hands out (ids are 18-19 digit integers below 2**63).
_NO_ID_ABOVE = 2**63 - 1


class JobControlQueries(SqlTx[C]):
    def list_jobs(
        self, where: JobFilter, limit: int, offset: int = 0, before_id: str | None = None
    ) -> list[tuple[Job, JobControl]]:
        """Up to ``limit`` jobs newest first, after skipping ``offset``, below ``before_id``."""
        states = [s.value for s in where.statuses] or ["ADDED"]
        states += [states[-1]] * (5 - len(states))
        rows = self.run(
            "list_jobs",
            org_id=int(where.org_id),
            before_id=int(before_id) if before_id else _NO_ID_ABOVE,
            any_status=not where.statuses,
            s0=states[0],
            s1=states[1],
            s2=states[2],
            s3=states[3],
            s4=states[4],
            module=where.module,
            operation=where.operation,
            user_id=int(where.user_id) if where.user_id else None,
            row_limit=limit,
            row_offset=offset,
        )
        return [(job_of(row, self.dialect), _control(*row[18:])) for row in rows]

    def set_rows_total(self, job_id: str, rows_total: int) -> bool:
        """Keep the job's rows in all; False if they were counted already."""
        cursor = self.run("set_rows_total", rows_total=rows_total, job_id=int(job_id))
        return cursor.rowcount == 1

    def get_job_control(self, job_id: str) -> JobControl | None:
        row = self.run("get_job_control", job_id=int(job_id)).fetchone()
        if row is None:
            return None
        return _control(*row)

    def request_cancel(self, job_id: str) -> bool:
        """Compare-and-set the cancel flag of a job not ended; False if it had ended or a
        cancel was asked for already."""
        return self.run("request_cancel", job_id=int(job_id)).rowcount == 1


def _control(
    rows_total: object,
    cancel_requested: object,
    committed: object,
    since: object,
    since_rows: object,
    last: object,
) -> JobControl:
    rate = span = None
    last_commit = None if last is None else float(str(last))
    if since is not None and last_commit is not None and since_rows is not None:
        seconds = last_commit - float(str(since))
        if seconds > 0:
            rate = (int(str(committed)) - int(str(since_rows))) / seconds
            span = seconds
    total = None if rows_total is None else int(str(rows_total))
    return JobControl(total, bool(cancel_requested), rate, last_commit, span)
