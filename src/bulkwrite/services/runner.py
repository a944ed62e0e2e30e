"""Run a job to its end: chunk by chunk, each chunk one transaction, resumable at any point."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from bulkwrite.domain.job import FINAL_STATES, Job, JobStatus
from bulkwrite.errors import BulkWriteError, StateConflict
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.services.callbacks import send_callback
from bulkwrite.services.chunk_writer import prepare, write_chunk
from bulkwrite.services.cleanup import sweep_expired_results
from bulkwrite.services.context import Services
from bulkwrite.services.prefetch import ahead
from bulkwrite.services.result_file import assemble_result
from bulkwrite.services.run_context import JobRun
from bulkwrite.services.run_loader import dialect_of, load_run, source_path

log = logging.getLogger(__name__)


def run_job(services: Services, job_id: str) -> JobStatus:
    """Process every remaining chunk of a job; returns the state it ends in."""
    job = _start(services, job_id)
    if job is None or job.status in FINAL_STATES:
        return job.status if job else JobStatus.FAILED
    try:
        run = load_run(services, job)
        _process(services, run)
    except StateConflict:
        raise
    except Exception as exc:
        log.exception("job %s failed", job_id)
        error = exc if isinstance(exc, BulkWriteError) else BulkWriteError()
        _finish(services, job_id, JobStatus.FAILED, (error.code, error.message))
        return JobStatus.FAILED
    _finish(services, job_id, JobStatus.COMPLETED, None)
    return JobStatus.COMPLETED


def _start(services: Services, job_id: str) -> Job | None:
    with services.store.transaction() as tx:
        job = tx.get_job(job_id)
        if job is not None and job.status is JobStatus.ADDED:
            tx.move_job(job_id, JobStatus.ADDED, JobStatus.INPROGRESS)
            job.status = JobStatus.INPROGRESS
    return job


def _process(services: Services, run: JobRun) -> None:
    job = run.job
    chunk_no, first_row = job.chunks_done, job.rows_done
    size = services.settings.chunk_size
    with CsvSource(source_path(services, job), dialect_of(job)) as source:
        for chunk in ahead(_prepared(run, source.chunks(size, skip=first_row), first_row)):
            with services.store.transaction() as tx:
                write_chunk(tx, run, chunk_no, first_row, chunk)
            chunk_no += 1
            first_row += chunk.size


def _prepared(
    run: JobRun, chunks: Iterator[list[list[str]]], first_row: int
) -> Iterator[PreparedChunk]:
    for cells in chunks:
        yield prepare(run, first_row, cells)
        first_row += len(cells)


def _finish(
    services: Services, job_id: str, target: JobStatus, error: tuple[str, str] | None
) -> None:
    with services.store.transaction(write=False) as tx:
        job = tx.get_job(job_id)
    if job is None:
        return
    ready = assemble_result(services, job, failed=target is JobStatus.FAILED)
    with services.store.transaction() as tx:
        tx.move_job(job_id, JobStatus.INPROGRESS, target, error)
        if ready:
            tx.mark_result_ready(job_id)
            tx.drop_chunk_results(job_id)
    send_callback(services, job_id)
    sweep_expired_results(services)
