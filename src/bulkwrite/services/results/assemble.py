"""The result zip: the chunks' rendered rows in input order, behind one header."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from bulkwrite.domain.job import Job
from bulkwrite.domain.outcome import RowStatus
from bulkwrite.errors import BulkWriteError, StoreUnavailable
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.files.result_zip import (
    result_csv_header,
    result_csv_rows,
    write_result_entries,
    write_result_zip,
)
from bulkwrite.services.collaborators import Services
from bulkwrite.services.run.load import dialect_of, load_run, source_path
from bulkwrite.services.run.resources import resource_view

log = logging.getLogger(__name__)


def result_key(job_id: str) -> str:
    return f"results/{job_id}.zip"


def result_path(services: Services, job_id: str) -> Path:
    """A local copy of the job's result zip (the file itself in local storage)."""
    return services.files.local_path(result_key(job_id))


def result_csv_name(job: Job) -> str:
    return f"{job.spec.module}-{job.file_name}"


def assemble_result(services: Services, job: Job, failed: bool, ready: Path | None = None) -> bool:
    """Write the result zip; False when not even the header can be known. ``ready``: the zip
    already written while the job ran (``ResultDraft``), stored as it is if still there."""
    if ready is not None and ready.exists():
        services.files.put(result_key(job.id), ready)
        return True
    if job.spec.children:
        return assemble_resources(services, job, failed)
    try:
        run = load_run(services, job)
    except StoreUnavailable:
        raise  # the database is away for a moment: the runner retries, the job stays open
    except Exception:
        log.exception("job %s: no result file can be made", job.id)
        return False
    tail: Iterator[bytes] = iter(())
    if failed:
        tail = _unprocessed(source_path(services, job), job, run.plan.echo)
    tmp = services.files.tmp_dir
    local = tmp / f"result-{job.id}-{uuid.uuid4().hex}.zip"
    try:
        with services.store.transaction(write=False) as tx:
            parts = _parts(result_csv_header(run.echo_header), tx.chunk_results(job.id), tail)
            write_result_zip(local, result_csv_name(job), parts, tmp)
        services.files.put(result_key(job.id), local)
    finally:
        local.unlink(missing_ok=True)
    return True


def assemble_resources(services: Services, job: Job, failed: bool) -> bool:
    """The result zip of a job of several resources: one CSV per resource, in request order,
    each its own chunks' rows (then, if the job failed, the rows it never reached)."""
    try:
        runs = [
            load_run(services, resource_view(job, n)) for n in range(len(job.spec.children) + 1)
        ]
    except StoreUnavailable:
        raise
    except Exception:
        log.exception("job %s: no result file can be made", job.id)
        return False
    spans = [r.chunks for r in job.resources_done]
    spans.append(job.chunks_done - sum(spans))
    tails: list[Iterator[bytes]] = []
    for number, run in enumerate(runs):
        tail: Iterator[bytes] = iter(())
        if failed and number >= job.resource_no:
            skip = job.rows_done if number == job.resource_no else 0
            tail = _unprocessed(source_path(services, run.job), run.job, run.plan.echo, skip)
        tails.append(tail)
    local = services.files.tmp_dir / f"result-{job.id}-{uuid.uuid4().hex}.zip"
    try:
        with services.store.transaction(write=False) as tx:
            chunks = tx.chunk_results(job.id)
            entries = [
                (
                    result_csv_name(run.job),
                    _parts(
                        result_csv_header(run.echo_header),
                        islice(chunks, spans[n]) if n < len(spans) else iter(()),
                        tails[n],
                    ),
                )
                for n, run in enumerate(runs)
            ]
            write_result_entries(local, entries, services.files.tmp_dir)
        services.files.put(result_key(job.id), local)
    finally:
        local.unlink(missing_ok=True)
    return True


def _parts(header: bytes, chunks: Iterator[bytes], tail: Iterator[bytes]) -> Iterator[bytes]:
    yield header
    yield from chunks
    yield from tail


def _unprocessed(
    path: Path, job: Job, echo: tuple[int, ...], skip: int | None = None
) -> Iterator[bytes]:
    """Rows never reached (from ``skip``, else the job's rows done), marked UNPROCESSED;
    undecodable bytes read as U+FFFD."""
    try:
        with CsvSource(path, dialect_of(job), errors="replace") as source:
            start = job.rows_done if skip is None else skip
            for chunk in source.chunks(5000, skip=start):
                yield result_csv_rows(
                    [
                        [
                            *(cells[i] if i < len(cells) else "" for i in echo),
                            RowStatus.UNPROCESSED.value,
                            "",
                            "",
                        ]
                        for cells in chunk
                    ]
                )
    except (BulkWriteError, OSError):
        log.warning("job %s: the rest of the file cannot be read", job.id)
