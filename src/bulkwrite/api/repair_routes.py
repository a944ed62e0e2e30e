"""Rows that did not make it (beyond-zoho.md §5): a job's errors as data and its failed rows
as a file; the same auth, scopes and org isolation as job details."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep
from bulkwrite.api.envelope import ZohoJSON
from bulkwrite.services.failed_rows import failed_rows_zip
from bulkwrite.services.job_errors import job_errors

router = APIRouter()


@router.get("/crm/bulk/{version}/write/{job_id}/errors")
async def errors(
    version: VersionDep,
    job_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    page: str | None = None,
    per_page: str | None = None,
) -> ZohoJSON:
    # the first call of a job reads its result file once: off the event loop
    document = await run_in_threadpool(job_errors, services, principal, job_id, page, per_page)
    return ZohoJSON(document)


@router.get("/crm/bulk/{version}/write/{job_id}/failed_rows")
async def failed_rows(
    version: VersionDep,
    job_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    cleanup: BackgroundTasks,
) -> FileResponse:
    path = await run_in_threadpool(failed_rows_zip, services, principal, job_id)
    cleanup.add_task(path.unlink, missing_ok=True)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{job_id}-failed.zip",
        content_disposition_type="attachment",
    )
