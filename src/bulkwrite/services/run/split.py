"""A job split across workers: any worker converts any chunk; chunks are written in input order.

- ``run_split`` (the job's task): moves the job to INPROGRESS and reads its file chunk by chunk;
  each chunk's raw cells are stored (``files/chunkfile.py``) and then planned, with its task, in
  one transaction. At the end of the file the number of chunks is recorded. A file of a single
  chunk is written at once, with no detour through storage.
- ``prepare_chunk`` (a chunk's task, run by any worker): converts the chunk, stores the result
  and marks the chunk prepared; then ``drain``.
- ``drain``: while the next chunk in input order is prepared, write it in its own transaction,
  which first locks the job's row — so a job has one writer at a time, on whatever machine —
  and compare-and-sets ``chunks_done`` as every chunk write does. "First row wins" holds as in a
  run on one worker: a chunk is decided against everything written before it. When the last
  chunk is written, the result file is assembled in input order and the callback fires once.

Marking a chunk prepared commits before its preparer asks for the job's lock, and a writer looks
for the next prepared chunk only while holding that lock: whoever writes chunk *n* - 1 either
sees chunk *n* prepared or is still holding the lock, which the preparer of *n* then waits for.
No prepared chunk is left behind. A worker that dies mid-task has its task put back in the
queue (``worker/distributed.py``), and a run that finds its work done changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from functools import partial

from bulkwrite.domain.job import ChunkPlan, Job, JobSplit, JobStatus
from bulkwrite.errors import BulkWriteError
from bulkwrite.files import chunkfile
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.importer.chunk import RawChunk
from bulkwrite.services.collaborators import Services
from bulkwrite.services.progress import record_rows_total
from bulkwrite.services.run.chunk_writer import copy_chunk, prepare, write_chunk
from bulkwrite.services.run.load import JobRun, dialect_of, load_run, source_path
from bulkwrite.services.run.runner import (
    failing_job,
    finish_job,
    read_job,
    retrying,
    run_job,
    start_job,
)

log = logging.getLogger(__name__)


class Step(Enum):
    WROTE = "wrote"  # a chunk was written: look for the next one
    IDLE = "idle"  # the next chunk is not prepared yet (or the job is not running)
    DONE = "done"  # every chunk is written: the job can finish


def run_shared(services: Services, job_id: str) -> JobStatus:
    """Run a job with a distributed queue: split it when another worker process can help (or
    a run before this one began to); else go through it on this worker, which converts the
    next chunk on a thread while it writes this one — the faster way for one process."""
    within = services.settings.stalled_after

    def choose(_: int) -> bool:
        with services.store.transaction(write=False) as tx:
            if tx.get_split(job_id) is not None:
                return True
            return services.settings.split_jobs and tx.live_workers(within) > 1

    split = retrying(services, job_id, "starting", choose)
    return run_split(services, job_id) if split else run_job(services, job_id)


def run_split(services: Services, job_id: str) -> JobStatus:
    """Start the job and split its file into planned chunks; returns the job's state now."""
    job = retrying(services, job_id, "starting", lambda _: start_job(services, job_id))
    if job is None or job.status is not JobStatus.INPROGRESS:
        return job.status if job else JobStatus.FAILED
    if job.spec.children:  # a job of several resources goes through them on one worker
        return run_job(services, job_id)
    # the rows in all, for the progress in job details (beyond-zoho.md section 2)
    retrying(services, job_id, "counting rows", lambda _: record_rows_total(services, job))
    if job.spec.dry_run:  # so does a dry run: its rehearsal of earlier chunks is its runner's
        return run_job(services, job_id)
    with _failing_the_job(services, job_id):
        run = retrying(services, job_id, "loading", lambda _: _load_split_run(services, job))
        began = retrying(services, job_id, "loading", partial(_split_of, services, job_id))
        _split(services, run)
        if began is not None:  # a run after one cut short: lost tasks' chunks converted here
            _prepare_left(services, run)
        drain(services, run, may_finish=True)
    return _status(services, job_id)


def prepare_chunk(services: Services, job_id: str, chunk_no: int, again: bool = False) -> None:
    """Convert one planned chunk (unless done already), then write what is next in order.

    ``again``: this task ran before (its worker died, or the database was away), so it may
    have to finish a job whose last chunk it wrote.
    """
    job = retrying(services, job_id, "loading", lambda _: read_job(services, job_id))
    if job is None or job.status is not JobStatus.INPROGRESS:
        return  # finished, or failed, before this task ran
    with _failing_the_job(services, job_id):
        run = retrying(services, job_id, "loading", lambda _: _load_split_run(services, job))
        plan = retrying(
            services, job_id, "loading", partial(_chunk_plan, services, job_id, chunk_no)
        )
        if plan is not None and not plan.prepared:
            _prepare(services, run, plan)
        drain(services, run, may_finish=again)


def drain(services: Services, run: JobRun, may_finish: bool) -> None:
    """Write every chunk that is next in input order and prepared; finish the job after the
    last one. A drain that finds every chunk written by others finishes the job only if
    ``may_finish`` (the split's end, a task run again): else the writer of the last chunk does."""
    job_id = run.job.id
    wrote = False
    while True:
        step = retrying(services, job_id, "writing", lambda _: _write_next(services, run))
        if step is Step.DONE and (wrote or may_finish):
            split = retrying(services, job_id, "finishing", partial(_split_of, services, job_id))
            error = split.error if split else None
            target = JobStatus.FAILED if error else JobStatus.COMPLETED
            finish_job(services, job_id, target, error)
            _drop_work(services, job_id)
            return
        if step is not Step.WROTE:
            return
        wrote = True


def _write_next(services: Services, run: JobRun) -> Step:
    job_id = run.job.id
    with services.store.transaction() as tx:
        job = tx.lock_job(job_id)
        split = tx.get_split(job_id)
        if job is None or split is None or job.status is not JobStatus.INPROGRESS:
            return Step.IDLE
        chunk_no = job.chunks_done
        if split.chunks_total is not None and chunk_no >= split.chunks_total:
            return Step.DONE
        plan = tx.get_chunk_plan(job_id, chunk_no)
        if plan is None or not plan.prepared:
            return Step.IDLE
        try:
            chunk = chunkfile.get_prepared(services.files, job_id, chunk_no)
        except FileNotFoundError:  # lost with a machine's disk: convert it again
            raw = chunkfile.get_raw(services.files, job_id, chunk_no)
            chunk = prepare(run, plan.first_row, raw)
        write_chunk(tx, run, chunk_no, plan.first_row, chunk)
    log.info("job %s: chunk %d written", job_id, chunk_no)
    return Step.WROTE


def _split(services: Services, run: JobRun) -> None:
    """Plan the chunks not planned yet (a run cut short resumes after the last one)."""
    job_id, size = run.job.id, services.settings.chunk_size
    chunk_no, first_row = retrying(services, job_id, "loading", lambda _: _resume(services, run))
    path = retrying(services, job_id, "opening", lambda _: source_path(services, run.job))
    width, error = run.plan.width, None
    with CsvSource(path, dialect_of(run.job)) as source:
        chunks = _with_last(source.raw_chunks(size, width, skip=first_row))
        try:
            for raw, last in chunks:
                if last and chunk_no == 0:
                    _write_alone(services, run, raw)
                    chunk_no += 1
                    break
                chunkfile.put_raw(services.files, job_id, chunk_no, raw)
                plan = partial(_plan, services, job_id, ChunkPlan(chunk_no, first_row, raw.size))
                if not retrying(services, job_id, "planning", plan):
                    services.files.delete(chunkfile.raw_key(job_id, chunk_no))
                    return  # the job ended meanwhile (failed by a chunk's task)
                chunk_no, first_row = chunk_no + 1, first_row + raw.size
        except BulkWriteError as exc:  # the rows before it are written; then the job fails
            log.warning("job %s: the file cannot be read past row %d", job_id, first_row)
            error = (exc.code, exc.message)
    end = partial(_end_split, services, job_id, chunk_no, error)
    retrying(services, job_id, "planning", end)
    log.info("job %s: split into %d chunks", job_id, chunk_no)


def _split_of(services: Services, job_id: str, _: int = 0) -> JobSplit | None:
    """The job's split so far (None: no run began to split it)."""
    with services.store.transaction(write=False) as tx:
        return tx.get_split(job_id)


def _prepare_left(services: Services, run: JobRun) -> None:
    """Convert the chunks still waiting for it (their tasks may be gone: failed for good)."""
    job_id = run.job.id
    for plan in retrying(services, job_id, "loading", lambda _: _plans(services, job_id)):
        if not plan.prepared:
            _prepare(services, run, plan)


def _plans(services: Services, job_id: str) -> list[ChunkPlan]:
    with services.store.transaction(write=False) as tx:
        return tx.chunk_plans(job_id)


def _resume(services: Services, run: JobRun) -> tuple[int, int]:
    """The next chunk to plan and its first row; records the header on the first run."""
    job_id = run.job.id
    with services.store.transaction() as tx:
        tx.begin_split(job_id, run.source_header)
        plans = tx.chunk_plans(job_id)
        job = tx.get_job(job_id)
    chunk_no = len(plans)
    first_row = plans[-1].first_row + plans[-1].rows if plans else 0
    if job is not None and job.chunks_done > chunk_no:  # a file of one chunk, written at once
        return job.chunks_done, job.rows_done
    return chunk_no, first_row


def _plan(services: Services, job_id: str, plan: ChunkPlan, _: int) -> bool:
    """Plan the chunk and defer its task; False if the job is no longer running."""
    with services.store.transaction() as tx:
        job = tx.get_job(job_id)
        if job is None or job.status is not JobStatus.INPROGRESS:
            return False
        if tx.plan_chunk(job_id, plan):
            services.queue.defer_chunk(tx, job_id, plan.chunk_no)
    return True


def _end_split(
    services: Services, job_id: str, chunks: int, error: tuple[str, str] | None, _: int
) -> None:
    with services.store.transaction() as tx:
        split = tx.get_split(job_id)
        if split is not None and split.chunks_total is not None:
            return  # ended by another delivery of the job's task, or a commit cut off earlier
        tx.end_split(job_id, chunks, error)


def _write_alone(services: Services, run: JobRun, raw: RawChunk) -> None:
    """A file of one chunk: convert and write it here (no other worker could help)."""
    prepared = prepare(run, 0, raw)

    def write(_: int) -> None:
        with services.store.transaction() as tx:
            job = tx.lock_job(run.job.id)
            if job is None or job.chunks_done > 0 or job.status is not JobStatus.INPROGRESS:
                return  # written by a run cut off after its commit
            write_chunk(tx, run, 0, 0, copy_chunk(prepared))

    retrying(services, run.job.id, "chunk 0", write)


def _prepare(services: Services, run: JobRun, plan: ChunkPlan) -> None:
    job_id = run.job.id
    raw = chunkfile.get_raw(services.files, job_id, plan.chunk_no)
    chunk = prepare(run, plan.first_row, raw)
    chunkfile.put_prepared(services.files, job_id, plan.chunk_no, chunk)

    def mark(_: int) -> None:
        with services.store.transaction() as tx:
            now = tx.get_chunk_plan(job_id, plan.chunk_no)
            if now is not None and now.prepared:
                return  # prepared by another delivery meanwhile (its files are the same)
            tx.mark_chunk_prepared(job_id, plan.chunk_no)

    retrying(services, job_id, f"chunk {plan.chunk_no}", mark)
    log.info("job %s: chunk %d prepared", job_id, plan.chunk_no)


def _chunk_plan(services: Services, job_id: str, chunk_no: int, _: int) -> ChunkPlan | None:
    with services.store.transaction(write=False) as tx:
        return tx.get_chunk_plan(job_id, chunk_no)


def _load_split_run(services: Services, job: Job) -> JobRun:
    split = _split_of(services, job.id)
    return load_run(services, job, split.header if split else None)


def _status(services: Services, job_id: str) -> JobStatus:
    job = retrying(services, job_id, "loading", lambda _: read_job(services, job_id))
    return job.status if job else JobStatus.FAILED


def _drop_work(services: Services, job_id: str) -> None:
    """Remove the job's stored chunks and its plan (the job has ended)."""

    def drop(_: int) -> int:
        """The number of chunks planned (each has files), forgetting them."""
        with services.store.transaction() as tx:
            planned = len(tx.chunk_plans(job_id))
            tx.drop_chunk_plans(job_id)
        return planned

    chunks = retrying(services, job_id, "the cleanup", drop)
    chunkfile.drop_work(services.files, job_id, chunks)


@contextmanager
def _failing_the_job(services: Services, job_id: str) -> Iterator[None]:
    """``runner.failing_job``; a job that fails leaves no chunk files behind."""
    with failing_job(services, job_id) as outcome:
        yield
    if outcome.failed:
        _drop_work(services, job_id)


def _with_last(chunks: Iterator[RawChunk]) -> Iterator[tuple[RawChunk, bool]]:
    """Each chunk, and whether it is the last one; a chunk read whole is yielded before the
    error that stops the reading of the next one."""
    current = next(chunks, None)
    while current is not None:
        try:
            following = next(chunks, None)
        except BulkWriteError:
            yield current, False
            raise
        yield current, following is None
        current = following
