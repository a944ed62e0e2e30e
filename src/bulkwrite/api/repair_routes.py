"""Rows that did not make it (beyond-zoho.md §5): a job's errors as data and its failed rows
as a file; the same auth, scopes and org isolation as job details."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep
from bulkwrite.api.envelope import ZohoJSON
from bulkwrite.api.query_params import NONE, accept_query
from bulkwrite.errors import DataInvalid
from bulkwrite.services.failed_rows import failed_rows_file
from bulkwrite.services.job_errors import job_errors
from bulkwrite.services.retry_job import retry_job

router = APIRouter()
PAGING = frozenset({"page", "per_page"})  # the errors' parameters
#: The failed-rows zip's header naming the job's status when it was read (not ended: the rows
#: of the chunks committed so far).
JOB_STATUS_HEADER = "X-Bulkwrite-Job-Status"
#: The longest retry body taken (``{"rows": [...]}`` is a few dozen bytes).
MAX_RETRY_BODY = 4096


@router.get("/crm/bulk/{version}/write/{job_id}/errors")
async def errors(
    version: VersionDep,
    job_id: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
    page: str | None = None,
    per_page: str | None = None,
) -> ZohoJSON:
    accept_query(request, PAGING)
    # the first call of a job reads its result file once: off the event loop
    document = await run_in_threadpool(job_errors, services, principal, job_id, page, per_page)
    return ZohoJSON(document)


@router.get("/crm/bulk/{version}/write/{job_id}/failed_rows")
async def failed_rows(
    version: VersionDep,
    job_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    request: Request,
    cleanup: BackgroundTasks,
) -> FileResponse:
    accept_query(request, NONE)
    path, job = await run_in_threadpool(failed_rows_file, services, principal, job_id)
    # a job still running: the rows of the chunks it has committed so far
    return failed_rows_response(path, job_id, cleanup, {JOB_STATUS_HEADER: job.status.value})


def failed_rows_response(
    path: Path, job_id: str, cleanup: BackgroundTasks, headers: Mapping[str, str]
) -> FileResponse:
    """The failed-rows zip at ``path`` (a temporary file, removed once sent) as the download
    ``{job_id}-failed.zip``; the API's and the dashboard's."""
    cleanup.add_task(path.unlink, missing_ok=True)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{job_id}-failed.zip",
        content_disposition_type="attachment",
        headers=dict(headers),
    )


@router.post("/crm/bulk/{version}/write/{job_id}/actions/retry", status_code=201)
async def retry(
    version: VersionDep,
    job_id: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> ZohoJSON:
    body = await _optional_json(request)
    job = await run_in_threadpool(retry_job, services, principal, job_id, body)
    return ZohoJSON(
        {
            "status": "success",
            "code": "SUCCESS",
            "message": "success",
            "details": {
                "id": job.id,
                "created_by": {"id": principal.user.id, "name": principal.user.full_name},
            },
        },
        status_code=201,
    )


async def _optional_json(request: Request) -> Any:
    """The request's JSON body, None when it has none."""
    raw = bytearray()
    async for block in request.stream():
        raw += block
        if len(raw) > MAX_RETRY_BODY:
            raise DataInvalid.at("body", "$", f"The body is larger than {MAX_RETRY_BODY} bytes.")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise DataInvalid.at("body", "$", "The request body is not valid JSON.") from None
