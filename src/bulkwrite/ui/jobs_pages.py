"""The Jobs page (the landing page), a Job's page, and what a Job page's buttons and links do:
cancel, retry, the result and the failed rows (beyond-zoho.md §8)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.deps import store_read
from bulkwrite.api.repair_routes import failed_rows_response
from bulkwrite.errors import BulkWriteError, ResourceNotFound
from bulkwrite.services.cancel import cancel_job
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import job_details
from bulkwrite.services.failed_rows import failed_rows_zip
from bulkwrite.services.job_errors import job_errors
from bulkwrite.services.job_list import list_jobs
from bulkwrite.services.results.download import open_result
from bulkwrite.services.retry_job import retry_job
from bulkwrite.ui.sessions import Session
from bulkwrite.ui.views import STATUSES, job_row
from bulkwrite.ui.web import SECURITY_HEADERS, VERSION, SessionDep, checked_form, page, see_other

router = APIRouter()
#: Jobs a page of the Jobs table shows.
PER_PAGE = 50
#: Error rows a Job page shows under each code and column (the rest are in the failed rows).
EXAMPLES = 3
#: Error rows read for a Job page's examples.
ERROR_ROWS_READ = 200


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _jobs_page_data(
    services: Services, session: Session, params: dict[str, str], base: str
) -> dict[str, Any]:
    """The Jobs page's figures: a page of the keyset job list and the org's module names."""
    listing = list_jobs(services, session.principal, params, VERSION, base)
    with services.store.transaction(write=False) as tx:
        modules = tx.module_names(session.principal.org.id)
    rows = [job_row(d) for d in listing["jobs"]]
    info = listing["info"]
    watch = None
    if "page_token" not in params and info["page"] == 1:  # the first page gains new jobs live
        asked: dict[str, str] = {"new": "1"}
        if rows:
            asked["after"] = rows[0].id
        asked.update({k: params[k] for k in ("status", "module") if k in params})
        watch = urlencode(asked)
    return {
        "rows": rows,
        "modules": modules,
        "chosen_status": params.get("status", ""),
        "chosen_module": params.get("module", ""),
        "per_page": params.get("per_page", str(PER_PAGE)),
        "next_token": info.get("next_page_token"),
        "page_number": info["page"],
        "live_ids": [r.id for r in rows if not r.ended],
        "watch": watch,
    }


@router.get("/jobs")
async def jobs(request: Request, session: SessionDep) -> Response:
    services: Services = request.app.state.services
    params = {k: v for k, v in request.query_params.items() if v}
    params.setdefault("per_page", str(PER_PAGE))
    data = await store_read(services, _jobs_page_data, services, session, params, _base(request))
    return page(request, "jobs.html", session, title="Jobs", statuses=STATUSES, **data)


def _job_page_data(services: Services, session: Session, job_id: str, base: str) -> dict[str, Any]:
    document = job_details(services, session.principal, job_id, VERSION, base)
    row = job_row(document)
    errors: dict[str, Any] = {"summary": [], "total": 0}
    if "result" in document:
        read = job_errors(services, session.principal, job_id, "1", str(ERROR_ROWS_READ))
        errors = {
            "summary": _examples(read["summary"], read["errors"]),
            "total": read["info"]["total_rows"],
        }
    return {"row": row, "errors": errors, "has_result": "result" in document}


def _examples(summary: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each summary line (code, column, count) with up to ``EXAMPLES`` rows that have it."""
    out = []
    for line in summary:
        examples = []
        for row in rows:
            for error in row.get("errors", []):
                if error.get("code") == line.get("code") and error.get("column") == line.get(
                    "column"
                ):
                    examples.append({"row": row.get("row"), **error})
                    break
            if len(examples) == EXAMPLES:
                break
        out.append({**line, "examples": examples})
    return out


@router.get("/jobs/{job_id}")
async def job(job_id: str, request: Request, session: SessionDep) -> Response:
    services: Services = request.app.state.services
    data = await run_in_threadpool(_job_page_data, services, session, job_id, _base(request))
    row = data["row"]
    return page(request, "job.html", session, title=f"Job {row.id}", **data)


@router.post("/jobs/{job_id}/cancel")
async def cancel(job_id: str, request: Request, session: SessionDep) -> Response:
    await checked_form(request, session)
    services: Services = request.app.state.services
    await run_in_threadpool(cancel_job, services, session.principal, job_id)
    return see_other(f"/ui/jobs/{job_id}")


@router.post("/jobs/{job_id}/retry")
async def retry(job_id: str, request: Request, session: SessionDep) -> Response:
    await checked_form(request, session)
    services: Services = request.app.state.services
    new = await run_in_threadpool(retry_job, services, session.principal, job_id, None)
    return see_other(f"/ui/jobs/{new.id}")


@router.get("/jobs/{job_id}/failed_rows")
async def failed_rows(
    job_id: str, request: Request, session: SessionDep, cleanup: BackgroundTasks
) -> Response:
    services: Services = request.app.state.services
    path = await run_in_threadpool(failed_rows_zip, services, session.principal, job_id)
    return failed_rows_response(path, job_id, cleanup, SECURITY_HEADERS)


@router.get("/jobs/{job_id}/result")
async def result(job_id: str, request: Request, session: SessionDep) -> Response:
    services: Services = request.app.state.services
    org = session.principal.org
    try:
        opened = await run_in_threadpool(
            open_result, services, session.principal, org.zgid, job_id, f"{job_id}.zip"
        )
    except BulkWriteError as exc:
        if isinstance(exc, ResourceNotFound):
            raise ResourceNotFound("The job has no result to download.") from None
        raise
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{job_id}.zip"',
        "Content-Length": str(opened.size),
    }
    return StreamingResponse(opened.blocks(), media_type="application/zip", headers=headers)
