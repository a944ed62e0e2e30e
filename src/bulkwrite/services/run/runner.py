"""Run a job to its end: chunk by chunk, each chunk one transaction, resumable at any point."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

from bulkwrite.domain.job import FINAL_STATES, Job, JobStatus
from bulkwrite.errors import (
    BulkWriteError,
    ConverterLost,
    DiskFull,
    StateConflict,
    StoreUnavailable,
)
from bulkwrite.files.csvsource import CsvSource, ramped
from bulkwrite.importer.chunk import PreparedChunk, RawChunk
from bulkwrite.retry import persist
from bulkwrite.services.callbacks.outbox import record_delivery
from bulkwrite.services.collaborators import Services
from bulkwrite.services.idempotency import sweep_expired_keys
from bulkwrite.services.progress import record_rows_total
from bulkwrite.services.results.assemble import assemble_result
from bulkwrite.services.results.draft import ResultDraft
from bulkwrite.services.results.expiry import sweep_chunk_results, sweep_expired_results
from bulkwrite.services.run.cancelled import JobCancelled
from bulkwrite.services.run.chunk_writer import copy_chunk, prepare, rehearse_chunk, write_chunk
from bulkwrite.services.run.converter import available as converter_available
from bulkwrite.services.run.converter import converted_chunks
from bulkwrite.services.run.load import JobRun, dialect_of, load_run, source_path
from bulkwrite.services.run.prefetch import ahead
from bulkwrite.services.run.resources import load_resource_run, parent_totals
from bulkwrite.services.run.staging import StagedChunk, staged_chunks, write_staged

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_job(services: Services, job_id: str) -> JobStatus:
    """Process every remaining chunk of a job; returns the state it ends in.

    While the store is unavailable (``StoreUnavailable``: a database restart, a failover), each
    step is tried again after a pause, for up to ``settings.store_retry_seconds``; after that
    the error is raised and the job left as it was, to be resumed by a later run.
    """
    job = retrying(services, job_id, "starting", lambda _: start_job(services, job_id))
    if job is None or job.status in FINAL_STATES:
        return job.status if job else JobStatus.FAILED
    # the rows in all, for the progress in job details (beyond-zoho.md section 2)
    retrying(services, job_id, "counting rows", lambda _: record_rows_total(services, job))
    draft: ResultDraft | None = None
    try:
        with failing_job(services, job_id) as outcome:
            if job.spec.children:
                _run_resources(services, job)
            else:
                run = retrying(services, job_id, "loading", lambda _: load_run(services, job))
                draft = ResultDraft(services, run) if job.chunks_done == 0 else None
                _process(services, run, draft)
        ready = draft.close(whole=not outcome.failed) if draft else None
    except BaseException:
        if draft is not None:
            draft.close(whole=False)
        raise
    if outcome.failed:
        return JobStatus.CANCELLED if outcome.cancelled else JobStatus.FAILED
    finish_job(services, job_id, JobStatus.COMPLETED, None, ready)
    return JobStatus.COMPLETED


@dataclasses.dataclass
class Outcome:
    failed: bool = False
    cancelled: bool = False  # ended CANCELLED (``failed`` too: the run stops there)


@contextmanager
def failing_job(services: Services, job_id: str) -> Iterator[Outcome]:
    """An unexpected error in the block fails the job (``Outcome.failed``), keeping what was
    committed; a database outage that outlasted the retries, or another delivery ahead of this
    one (``StateConflict``), is raised to the queue, the job left open."""
    outcome = Outcome()
    try:
        yield outcome
    except (StateConflict, StoreUnavailable):
        raise
    except JobCancelled:
        outcome.failed = outcome.cancelled = True
        finish_job(services, job_id, JobStatus.CANCELLED, None)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        error = exc if isinstance(exc, BulkWriteError) else BulkWriteError()
        finish_job(services, job_id, JobStatus.FAILED, (error.code, error.message))
        outcome.failed = True


def start_job(services: Services, job_id: str) -> Job | None:
    with services.store.transaction() as tx:
        job = tx.get_job(job_id)
        if job is not None and job.status is JobStatus.ADDED:
            tx.move_job(job_id, JobStatus.ADDED, JobStatus.INPROGRESS)
            job.status = JobStatus.INPROGRESS
    return job


def _run_resources(services: Services, job: Job) -> None:
    """A job of several resources: from the resource it is at, each one to its end, then the
    next (``services/run/resources.py``)."""
    while True:
        load = partial(_load_resource, services, job)
        run = retrying(services, job.id, "loading", load)
        _process(services, run, None)
        finish = partial(_resource_done, services, run, job.resource_no)
        retrying(services, job.id, f"resource {job.resource_no}", finish)
        if job.resource_no == len(job.spec.children):
            return
        again = retrying(services, job.id, "loading", partial(_read_job, services, job.id))
        if again is None or again.status is not JobStatus.INPROGRESS:
            raise StateConflict(f"job {job.id} is no longer running")
        job = again


def _load_resource(services: Services, job: Job, _again: int) -> JobRun:
    return load_resource_run(services, job)


def _read_job(services: Services, job_id: str, _again: int) -> Job | None:
    return read_job(services, job_id)


def _resource_done(services: Services, run: JobRun, number: int, again: int) -> None:
    """Resource ``number`` is written to its end: its parents' totals recomputed and, unless
    it is the last, the job moved on to the next one, in one transaction."""
    with services.store.transaction() as tx:
        job = tx.get_job(run.job.id)
        if job is None or job.status is not JobStatus.INPROGRESS:
            raise StateConflict(f"job {run.job.id} is no longer running")
        if job.resource_no > number:
            return  # a commit cut off by a lost connection had gone through
        totals = parent_totals(job, run.modules, run.tables)
        if totals is not None and not job.spec.dry_run:
            tx.sum_children(totals, run.job_id)
        if number < len(job.spec.children):
            tx.next_resource(job)


def _process(services: Services, run: JobRun, draft: ResultDraft | None) -> None:
    job = run.job
    chunk_no, first_row = job.chunks_done, job.rows_done
    path = retrying(services, job.id, "opening", lambda _: source_path(services, job))
    if run.dry is not None and first_row > 0:
        _replay(services, run, path, first_row)
    chunks = prepared_chunks(services, run, path, first_row)
    for chunk in staged_chunks(services, run, chunks):
        write = partial(_write, services, run, chunk_no, first_row, chunk)
        rendered = retrying(services, job.id, f"chunk {chunk_no}", write)
        if draft is not None:
            draft.add(rendered)
        chunk_no += 1
        first_row += chunk.size


def _replay(services: Services, run: JobRun, path: Path, rows: int) -> None:
    """A dry run resumed at row ``rows``: the chunks before it rehearsed again, nothing
    saved, so the rest is decided against what they would have written."""
    done = 0
    chunks = prepared_chunks(services, run, path, 0)
    try:
        for chunk in chunks:
            if done >= rows:
                break
            first = done
            with services.store.transaction() as tx:
                rehearse_chunk(tx, run, first, copy_chunk(chunk))
            done += chunk.size
    finally:
        if isinstance(chunks, Generator):
            chunks.close()


def _write(
    services: Services,
    run: JobRun,
    chunk_no: int,
    first_row: int,
    chunk: PreparedChunk | StagedChunk,
    again: int,
) -> bytes | None:
    """One chunk in one transaction; its result rows (None: a commit cut off by a lost
    connection had gone through after all, as a later attempt checks first). Each attempt
    works on a copy of the prepared chunk (writing marks it)."""
    with services.store.transaction() as tx:
        if again:
            job = tx.get_job(run.job.id)
            if job is not None and job.chunks_done > chunk_no:
                return None
        if isinstance(chunk, StagedChunk):
            return write_staged(tx, run, chunk_no, first_row, chunk)
        return write_chunk(tx, run, chunk_no, first_row, copy_chunk(chunk))


def prepared_chunks(
    services: Services, run: JobRun, path: Path, first_row: int
) -> Iterator[PreparedChunk]:
    """The file's prepared chunks from ``first_row`` on, converted one chunk ahead of the
    writer: in a child process (``convert_process``), else — or from where that process
    stopped, should it die — on a thread of this one."""
    size, dialect = services.settings.chunk_size, dialect_of(run.job)
    if services.settings.convert_process is not False and converter_available():
        try:
            for chunk in converted_chunks(run, path, dialect, size, first_row):
                yield chunk
                first_row += chunk.size
            return
        except ConverterLost:
            log.warning(
                "job %s: the converter process died; on a thread from row %d", run.job.id, first_row
            )
    with CsvSource(path, dialect) as source:
        chunks = source.raw_chunks(ramped(size), run.plan.width, skip=first_row)
        yield from ahead(_prepared(run, chunks, first_row))


def _prepared(run: JobRun, chunks: Iterator[RawChunk], first_row: int) -> Iterator[PreparedChunk]:
    for cells in chunks:
        yield prepare(run, first_row, cells)
        first_row += cells.size


def finish_job(
    services: Services,
    job_id: str,
    target: JobStatus,
    error: tuple[str, str] | None,
    draft: Path | None = None,
) -> None:
    """End the job in ``target``: its result file (``draft``: the zip written while it ran,
    else assembled now), then the state with its callback's delivery, and the cleanups."""
    try:
        job = retrying(services, job_id, "finishing", lambda _: read_job(services, job_id))
        if job is None or job.status is not JobStatus.INPROGRESS:
            return  # another delivery of this job has finished it
        failed = target in (JobStatus.FAILED, JobStatus.CANCELLED)  # rows left: UNPROCESSED
        result = partial(assemble_result, services, job, failed, draft)
        ready = retrying(services, job_id, "the result", lambda _: result())
    finally:
        if draft is not None:
            draft.unlink(missing_ok=True)

    def end(again: int) -> None:
        with services.store.transaction() as tx:
            if again and (now := tx.get_job(job_id)) is not None and now.status is target:
                return  # the commit cut off by a lost connection went through
            tx.move_job(job_id, JobStatus.INPROGRESS, target, error)
            record_delivery(tx, job, target)  # the callback, sent by the workers after commit
            if ready:
                tx.mark_result_ready(job_id)

    retrying(services, job_id, "finishing", end)
    retrying(services, job_id, "the cleanup", lambda _: sweep_expired_results(services))
    retrying(services, job_id, "the cleanup", lambda _: sweep_chunk_results(services))
    retrying(services, job_id, "the cleanup", lambda _: sweep_expired_keys(services))


def read_job(services: Services, job_id: str) -> Job | None:
    with services.store.transaction(write=False) as tx:
        return tx.get_job(job_id)


def retrying(services: Services, job_id: str, step: str, attempt: Callable[[int], T]) -> T:
    """``attempt(0)``, then ``attempt(1)``… after the retry policy's pauses while it raises
    ``StoreUnavailable``, for up to ``store_retry_seconds``; then that error is raised."""

    def on_pause(exc: BaseException, pause: float) -> None:
        what = "the disk is full" if isinstance(exc, DiskFull) else "the database is unavailable"
        log.warning(
            "job %s: %s (%s); %s again in %.1f s",
            job_id,
            what,
            str(exc.__cause__ or exc).strip().splitlines()[0],
            step,
            pause,
        )

    return persist(attempt, _unavailable, services.settings.store_retry_seconds, on_pause)


def _unavailable(exc: BaseException) -> bool:
    return isinstance(exc, StoreUnavailable)
