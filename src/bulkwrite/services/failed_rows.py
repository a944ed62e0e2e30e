"""A job's failed rows as a file to fix and import again (beyond-zoho.md §5):
``GET …/write/{job_id}/failed_rows``.

A zip with, per resource, a CSV of the rows that were not ADDED or UPDATED: every column of the
uploaded CSV as uploaded (same header, cell text and column order, so the job's own mappings fit
it), then ROW_NUMBER, STATUS, ERRORS and ERROR_MESSAGES. Each entry is named as the uploaded CSV
(``file_names`` of a job of several resources fit it), written in UTF-8 with the upload's
delimiter. While the job runs, the rows are those of the chunks it has committed so far.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

from bulkwrite.domain.identity import Principal
from bulkwrite.domain.job import Job
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.services.collaborators import Services
from bulkwrite.services.committed_results import Tables, committed_tables, still_open
from bulkwrite.services.details import load_job
from bulkwrite.services.job_errors import (
    WRITTEN,
    Messages,
    columns_of,
    error_index,
    parse_errors,
    result_tables,
    source_and_result,
)
from bulkwrite.services.run.load import dialect_of, source_path
from bulkwrite.services.run.resources import resource_view

TAIL = ("ROW_NUMBER", "STATUS", "ERRORS", "ERROR_MESSAGES")


def failed_rows_zip(services: Services, principal: Principal, job_id: str) -> Path:
    """The zip of a job's failed rows, written to a temporary file the caller removes."""
    return failed_rows_file(services, principal, job_id)[0]


def failed_rows_file(services: Services, principal: Principal, job_id: str) -> tuple[Path, Job]:
    """``failed_rows_zip`` and the job as it stood when read: while it runs, the zip holds
    the failed rows of the chunks it has committed so far."""
    job, _, _ = load_job(services, principal, job_id)
    if not still_open(job):
        error_index(services, job)  # the result must be there (404 as the errors are)
        return _write_zip(services, job, result_tables(services, job)), job
    current, tables = committed_tables(services, job)
    return _write_zip(services, current, tables), current


def _write_zip(services: Services, job: Job, tables: Tables) -> Path:
    local = services.files.tmp_dir / f"failed-{job.id}-{uuid.uuid4().hex}.zip"
    try:
        with zipfile.ZipFile(local, "w", zipfile.ZIP_DEFLATED) as archive:
            for number, results in tables:
                view = resource_view(job, number)
                with archive.open(view.file_name, "w", force_zip64=True) as entry:
                    text = io.TextIOWrapper(entry, "utf-8", newline="")
                    _write_failed(services, job, number, results, text)
                    text.flush()
                    text.detach()
    except BaseException:
        local.unlink(missing_ok=True)
        raise
    return local


def _write_failed(
    services: Services, job: Job, number: int, results: Iterator[list[str]], out: io.TextIOWrapper
) -> None:
    """The source rows of resource ``number`` whose result row was not written, beside
    their fate."""
    view = resource_view(job, number)
    messages = Messages(columns_of(services, job, number))
    writer = csv.writer(out, delimiter=view.spec.delimiter)
    with CsvSource(source_path(services, view), dialect_of(view), errors="replace") as source:
        writer.writerow([*source.header, *TAIL])
        rows = zip(source.rows(), source_and_result(services, job, number, results), strict=False)
        for cells, (row_number, values, result) in rows:
            status, errors = result[-3], result[-1]
            if status in WRITTEN:
                continue
            said = [messages.error(code, col, values) for code, col in parse_errors(errors)]
            text = "; ".join(f"{e['column']}: {e['message']}" for e in said)
            writer.writerow([*cells, row_number, status, errors, text])
