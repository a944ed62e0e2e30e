"""Retry (beyond-zoho.md §5): ``POST …/write/{job_id}/actions/retry`` makes a new job over
exactly the rows of an ended job whose STATUS is asked for (SKIPPED and UNPROCESSED by
default), with the same request: operation, mappings, find_by, callback, dry run.

The rows are copied from the uploaded file(s) as uploaded — each resource's CSV under its own
name, its header first — into a new upload, and the new job is created from it as any other
(``create_job``: the same checks, scopes and limits). The link is kept in ``job_retries``,
written in the transaction that stores the new job: the new job's details carry ``"retry_of"``,
the original's ``"retries"``.
"""

from __future__ import annotations

import csv
import uuid
import zipfile
from pathlib import Path
from typing import Any

from bulkwrite.domain.identity import Principal
from bulkwrite.domain.job import FINAL_STATES, FieldMapping, Job
from bulkwrite.domain.outcome import RowStatus
from bulkwrite.errors import DataInvalid, NotAllowed
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.services.collaborators import Services
from bulkwrite.services.create_job import Also, create_job
from bulkwrite.services.details import load_job
from bulkwrite.services.job_errors import result_tables
from bulkwrite.services.run.load import dialect_of, source_path
from bulkwrite.services.run.resources import resource_view
from bulkwrite.services.uploads import upload_file
from bulkwrite.store.base import Tx

#: The STATUS values a retry may take (the rows a job did not write).
RETRIABLE = (RowStatus.SKIPPED.value, RowStatus.UNPROCESSED.value)


def retry_statuses(body: Any) -> frozenset[str]:
    """The body's ``rows`` (default: every retriable STATUS); anything else is refused."""
    if body is None or body == {}:
        return frozenset(RETRIABLE)
    if not isinstance(body, dict):
        raise DataInvalid.at("body", "$", "The request body must be a JSON object.")
    unknown = sorted(set(body) - {"rows"})
    if unknown:
        raise DataInvalid.at(unknown[0], f"$.{unknown[0]}", f"{unknown[0]} is not a retry key.")
    rows = body.get("rows")
    if not isinstance(rows, list) or not rows:
        raise DataInvalid.at("rows", "$.rows", "rows must be a list of STATUS values.")
    for i, status in enumerate(rows):
        if status not in RETRIABLE:
            raise DataInvalid.at(
                "rows", f"$.rows[{i}]", f"rows may hold {' and '.join(RETRIABLE)} only."
            )
    return frozenset(rows)


def retry_job(services: Services, principal: Principal, job_id: str, body: Any) -> Job:
    """Create the retry job of ``job_id``; returns it."""
    statuses = retry_statuses(body)
    job, _, _ = load_job(services, principal, job_id)
    if job.status not in FINAL_STATES or not job.result_ready:
        raise NotAllowed(f"Job {job.id} is {job.status.value}: only an ended job is retried.")
    packed = services.files.tmp_dir / f"retry-{job.id}-{uuid.uuid4().hex}.zip"
    try:
        kept = _pack_rows(services, job, statuses, packed)
        if not kept:
            raise NotAllowed(f"Job {job.id} has no {' or '.join(sorted(statuses))} rows.")
        stored = upload_file(services, principal, packed, f"retry-{job.id}.zip")
    finally:
        packed.unlink(missing_ok=True)
    return create_job(services, principal, retry_body(job, stored.id), also=retry_link(job.id))


def retry_link(original: str) -> Also:
    """Records that the job being created retries ``original``, in the job's own transaction:
    a retry never exists without its link."""

    def link(tx: Tx, new: Job) -> None:
        tx.insert_retry(new.id, original)

    return link


def _pack_rows(services: Services, job: Job, statuses: frozenset[str], packed: Path) -> int:
    """Each resource's rows with a STATUS in ``statuses``, as uploaded, into a zip of CSVs
    named as the uploaded ones; returns how many rows."""
    kept = 0
    work = services.files.tmp_dir / f"retry-{uuid.uuid4().hex}.csv"
    try:
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            for number, results in result_tables(services, job):
                next(results, None)  # the result's header
                view = resource_view(job, number)
                path = source_path(services, view)
                with (
                    CsvSource(path, dialect_of(view)) as source,
                    work.open("w", encoding="utf-8", newline="") as out,
                ):
                    writer = csv.writer(out)
                    writer.writerow(source.header)
                    for cells, result in zip(source.rows(), results, strict=False):
                        if result[-3] in statuses:
                            writer.writerow(cells)
                            kept += 1
                archive.write(work, view.file_name)
    finally:
        work.unlink(missing_ok=True)
    return kept


def retry_body(job: Job, file_id: str) -> dict[str, Any]:
    """The create body of the original request, over the upload ``file_id``."""
    spec = job.spec
    several = bool(spec.children)
    parent: dict[str, Any] = {"type": "data", "module": {"api_name": spec.module}}
    parent["file_id"] = file_id
    if spec.find_by is not None:
        parent["find_by"] = spec.find_by
    if not spec.auto_mapped:
        parent["field_mappings"] = [_mapping(m) for m in spec.mappings]
    parent["ignore_empty"] = spec.ignore_empty
    if several:
        parent["file_names"] = [job.file_name]
    resources = [parent]
    for child in spec.children:
        resources.append(
            {
                "type": "data",
                "module": {"api_name": child.module},
                "file_id": file_id,
                "file_names": [child.file_name],
                "field_mappings": [_mapping(m) for m in child.mappings],
                "ignore_empty": child.ignore_empty,
            }
        )
    body: dict[str, Any] = {"operation": spec.operation.value, "resource": resources}
    if spec.callback_url:
        body["callback"] = {"url": spec.callback_url, "method": spec.callback_method or "post"}
    if spec.dry_run:
        body["dry_run"] = True
    return body


def _mapping(mapping: FieldMapping) -> dict[str, Any]:
    wire = {k: v for k, v in mapping.to_wire().items() if v is not None}
    if mapping.parent_column_index is not None:
        wire["parent_column_index"] = mapping.parent_column_index
    return wire
