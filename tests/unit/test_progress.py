"""A job's progress numbers (beyond-zoho.md section 2): the rate as the store measured it,
the percentage with one decimal, the ETA null until known and 0 at the end."""

from __future__ import annotations

from datetime import UTC, datetime

from bulkwrite.domain.job import Counts, Job, JobSpec, JobStatus, Operation, ResourceProgress
from bulkwrite.services.progress import progress_of, rows_done_of, stalled
from bulkwrite.store.base import JobControl

SPEC = JobSpec(Operation.INSERT, "Leads", "1", None, (), True, False, "UTF-8", ",", None, None)


def _job(status: JobStatus, rows_done: int, job_id: str = "1") -> Job:
    created = datetime(2026, 12, 4, tzinfo=UTC)
    return Job(job_id, "1", "1", SPEC, status, created, "a.csv", rows_done=rows_done)


def test_the_rate_and_eta_come_from_the_store_while_running() -> None:
    running = progress_of(_job(JobStatus.INPROGRESS, 1000, "r"), JobControl(5000, False, 2000.04))
    assert running["rows_per_second"] == 2000.0 and running["eta_seconds"] == 2.0
    ended = progress_of(_job(JobStatus.COMPLETED, 5000, "e"), JobControl(5000, False, 2000.0))
    assert ended["rows_per_second"] is None and ended["eta_seconds"] == 0


def test_progress_while_added_running_and_ended() -> None:
    added = progress_of(_job(JobStatus.ADDED, 0, "a"), JobControl(None, False))
    assert added == {
        "rows_total": None,
        "rows_done": 0,
        "percent": None,
        "rows_per_second": None,
        "eta_seconds": None,
    }
    running = progress_of(_job(JobStatus.INPROGRESS, 1, "b"), JobControl(3, False))
    assert running["percent"] == 33.3 and running["eta_seconds"] is None
    ended = progress_of(_job(JobStatus.CANCELLED, 1, "c"), JobControl(3, True))
    assert ended["percent"] == 33.3 and ended["eta_seconds"] == 0
    empty = progress_of(_job(JobStatus.COMPLETED, 0, "d"), JobControl(0, False))
    assert empty["percent"] == 100.0


def test_rows_done_count_every_resource_written() -> None:
    job = _job(JobStatus.INPROGRESS, 7)
    job.resource_no = 1
    job.resources_done = (ResourceProgress(0, 2, 40, Counts(40, 0, 0)),)
    assert rows_done_of(job) == 47


def test_a_job_quiet_for_30_s_and_3_rate_spans_is_stalled() -> None:
    fast = JobControl(100, False, 50.0, last_commit=1000.0, rate_span=6.0)
    assert not stalled(fast, 1030.0) and stalled(fast, 1030.1)  # 30 s beats 3 x 6 s
    slow = JobControl(100, False, 0.5, last_commit=1000.0, rate_span=20.0)
    assert not stalled(slow, 1060.0) and stalled(slow, 1060.1)  # 3 x 20 s beats 30 s
    assert not stalled(JobControl(100, False), 10**9)  # no commit yet: nothing to go stale
    job = _job(JobStatus.INPROGRESS, 10, "s")
    assert progress_of(job, fast, 1001.0)["eta_seconds"] == 1.8
    assert progress_of(job, fast, 1031.0) == {
        "rows_total": 100,
        "rows_done": 10,
        "percent": 10.0,
        "rows_per_second": None,
        "eta_seconds": None,
    }
