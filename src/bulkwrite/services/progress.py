"""A job's ``progress`` in its details (beyond-zoho.md section 2): rows in all and done, the
percentage, the rate over the last seconds and the time left."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

from bulkwrite.domain.job import FINAL_STATES, Job
from bulkwrite.errors import BulkWriteError
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.services.collaborators import Services
from bulkwrite.services.run.load import dialect_of
from bulkwrite.services.run.resources import resource_view
from bulkwrite.store.base import JobControl

#: The window the rate is measured over, in seconds.
RATE_WINDOW = 10.0
#: How many jobs' samples one process keeps (the least recently seen are forgotten).
_KEPT_JOBS = 1000


class RateSamples:
    """(time, rows done) samples per job, as this process saw them, over ``RATE_WINDOW``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, deque[tuple[float, int]]] = OrderedDict()

    def rate(self, job_id: str, rows_done: int, at: float | None = None) -> float | None:
        """Rows a second over the window, after recording this sample; None with one sample."""
        moment = time.monotonic() if at is None else at
        with self._lock:
            samples = self._jobs.pop(job_id, None) or deque()
            self._jobs[job_id] = samples
            while len(self._jobs) > _KEPT_JOBS:
                self._jobs.popitem(last=False)
            if samples and samples[-1][1] > rows_done:
                samples.clear()  # the job moved on to another resource's count
            if not samples or samples[-1][1] != rows_done:
                samples.append((moment, rows_done))
            while len(samples) > 2 and moment - samples[1][0] >= RATE_WINDOW:
                samples.popleft()
            first_time, first_rows = samples[0]
        if moment - first_time < 0.5:
            return None
        return (rows_done - first_rows) / (moment - first_time)


SAMPLES = RateSamples()


def rows_done_of(job: Job) -> int:
    """Data rows written so far across every resource of the job."""
    return sum(done.rows for done in job.resources_done) + job.rows_done


def progress_of(job: Job, control: JobControl | None) -> dict[str, Any]:
    """The ``progress`` object of a job's details."""
    total = control.rows_total if control is not None else None
    done = rows_done_of(job)
    ended = job.status in FINAL_STATES
    rate = None if ended else SAMPLES.rate(job.id, done)
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
    document["progress"] = progress_of(job, control)


def record_rows_total(services: Services, job: Job) -> None:
    """Count the data rows of every CSV the job reads and keep them, once per job (a job run
    again after a crash keeps its first count). A file that cannot be read leaves the total
    unknown: the run reports the error itself."""
    with services.store.transaction(write=False) as tx:
        control = tx.get_job_control(job.id)
        stored = tx.get_file(job.org_id, job.spec.file_id)
    if stored is None or (control is not None and control.rows_total is not None):
        return
    total = 0
    try:
        for number in range(len(job.spec.children) + 1):
            view = resource_view(job, number)
            csv = stored.csv(view.spec.file_name)
            if csv is None:
                return
            total += count_data_rows(services.files.local_path(csv.path), view)
    except (BulkWriteError, OSError, UnicodeError, ValueError):
        return
    with services.store.transaction() as tx:
        tx.set_rows_total(job.id, total)


def count_data_rows(path: Path, job: Job) -> int:
    """The data rows of one CSV of a job, its header not counted."""
    with CsvSource(path, dialect_of(job)) as source:
        width = max(1, len(source.header))
        return sum(chunk.size for chunk in source.raw_chunks(65536, width))
