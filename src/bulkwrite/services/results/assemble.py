"""The result zip: the chunks' rendered rows in input order, behind one header."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

from bulkwrite.domain.job import Job
from bulkwrite.domain.outcome import RowStatus
from bulkwrite.errors import BulkWriteError, StoreUnavailable
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.files.result_zip import result_csv_header, result_csv_rows, write_result_zip
from bulkwrite.services.collaborators import Services
from bulkwrite.services.run.load import dialect_of, load_run, source_path

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


def _parts(header: bytes, chunks: Iterator[bytes], tail: Iterator[bytes]) -> Iterator[bytes]:
    yield header
    yield from chunks
    yield from tail


def _unprocessed(path: Path, job: Job, echo: tuple[int, ...]) -> Iterator[bytes]:
    """Rows never reached, marked UNPROCESSED; undecodable bytes read as U+FFFD."""
    try:
        with CsvSource(path, dialect_of(job), errors="replace") as source:
            for chunk in source.chunks(5000, skip=job.rows_done):
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
