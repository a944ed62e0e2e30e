"""A job's ``progress`` in its details (beyond-zoho.md section 2): rows in all and done, the
percentage, the rate over the last seconds and the time left, all read from the store (the
rate too: ``count_chunk`` keeps its marks), so every process answers the same; a stalled job
(no commit for a while, ``stalled``) has neither rate nor time left."""

from __future__ import annotations

import time
from dataclasses import astuple
from typing import Any

from bulkwrite.domain.identity import StoredFile
from bulkwrite.domain.job import FINAL_STATES, Job
from bulkwrite.errors import BulkWriteError
from bulkwrite.files.rowcount import count_data_rows
from bulkwrite.services.collaborators import Services
from bulkwrite.services.run.load import dialect_of
from bulkwrite.services.run.resources import resource_view
from bulkwrite.store.base import JobControl

#: A running job whose last chunk committed more than this many seconds ago, and more than
#: ``STALL_SPANS`` times the span its rate was measured over, is stalled: no rate, no ETA.
STALL_SECONDS = 30.0
STALL_SPANS = 3.0


def rows_done_of(job: Job) -> int:
    """Data rows written so far across every resource of the job."""
    return sum(done.rows for done in job.resources_done) + job.rows_done


def stalled(control: JobControl, now: float) -> bool:
    """Whether no chunk has committed for longer than ``STALL_SECONDS`` and than
    ``STALL_SPANS`` times the span the rate was measured over (that span holds at least one
    chunk interval, so a job of slow chunks is not called stalled between two of them)."""
    if control.last_commit is None:
        return False
    quiet = now - control.last_commit
    return quiet > max(STALL_SECONDS, STALL_SPANS * (control.rate_span or 0.0))


def progress_of(job: Job, control: JobControl | None, now: float | None = None) -> dict[str, Any]:
    """The ``progress`` object of a job's details at ``now`` (Unix seconds; default the
    time now): a stalled job (``stalled``) has no rate and no ETA, not a stale promise."""
    total = control.rows_total if control is not None else None
    done = rows_done_of(job)
    ended = job.status in FINAL_STATES
    rate = None if ended or control is None else control.rows_per_second
    moment = time.time() if now is None else now
    if rate is not None and control is not None and stalled(control, moment):
        rate = None
    percent: float | None = None
    if total is not None:
        percent = 100.0 if total == 0 else round(min(100.0, 100.0 * done / total), 1)
    eta: float | None = None
    if ended:
        eta = 0
    elif total is not None and rate:
        eta = round(max(0, total - done) / rate, 1)
    return {
        "rows_total": total,
        "rows_done": done,
        "percent": percent,
        "rows_per_second": None if rate is None else round(rate, 1),
        "eta_seconds": eta,
    }


def add_progress(services: Services, job: Job, document: dict[str, Any]) -> None:
    """Set ``progress`` on a job's details."""
    with services.store.transaction(write=False) as tx:
        control = tx.get_job_control(job.id)
    document["progress"] = progress_of(job, control, services.clock())


def rows_total_at_upload(stored: StoredFile, job: Job) -> int | None:
    """The data rows of every CSV the job reads, as counted at upload; None if one of them
    was not counted, or counted in another dialect than the job reads it in."""
    total = 0
    for number in range(len(job.spec.children) + 1):
        view = resource_view(job, number)
        csv = stored.csv(view.spec.file_name)
        counted = None if csv is None else csv.rows
        if counted is None or (counted.encoding, counted.delimiter) != astuple(dialect_of(view)):
            return None
        total += counted.rows
    return total


def record_rows_total(services: Services, job: Job) -> None:
    """Keep the job's rows in all if it has none yet: the count made at upload
    (``rows_total_at_upload``; a job normally has it from its create), else count the data
    rows of every CSV the job reads now (a file uploaded before uploads were counted, or read
    in another dialect than guessed at upload). Once per job (a job run again after a crash
    keeps its first count). A file that cannot be read leaves the total unknown: the run
    reports the error itself."""
    with services.store.transaction(write=False) as tx:
        control = tx.get_job_control(job.id)
        stored = tx.get_file(job.org_id, job.spec.file_id)
    if stored is None or (control is not None and control.rows_total is not None):
        return
    total = rows_total_at_upload(stored, job)
    if total is None:
        total = _count_now(services, stored, job)
    if total is not None:
        with services.store.transaction() as tx:
            tx.set_rows_total(job.id, total)


def _count_now(services: Services, stored: StoredFile, job: Job) -> int | None:
    total = 0
    try:
        for number in range(len(job.spec.children) + 1):
            view = resource_view(job, number)
            csv = stored.csv(view.spec.file_name)
            if csv is None:
                return None
            total += count_data_rows(services.files.local_path(csv.path), dialect_of(view))
    except (BulkWriteError, OSError, UnicodeError, ValueError):
        return None
    return total
