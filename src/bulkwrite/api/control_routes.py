"""Job control beyond Zoho (beyond-zoho.md sections 1-3): list jobs, the live events stream of
a job, cancel a job. Same auth, scopes, envelope and org isolation as job details."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Final

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep, store_read
from bulkwrite.api.envelope import ZohoJSON
from bulkwrite.api.openapi_doc import query
from bulkwrite.api.query_params import NONE, accept_query
from bulkwrite.errors import StoreUnavailable
from bulkwrite.services.cancel import cancel_job
from bulkwrite.services.collaborators import Services
from bulkwrite.services.job_events import HEARTBEAT_SECONDS, ChangeSignal, DetailStream, ended
from bulkwrite.services.job_list import PARAMETERS, list_jobs

router = APIRouter()
_STATES = "ADDED, INPROGRESS, COMPLETED, FAILED, CANCELLED; comma-separated"
LIST_EXTRA: Final = {
    "parameters": [
        query("status", {"type": "string"}, _STATES),
        query("module", {"type": "string"}, "a module's API name"),
        query("operation", {"type": "string", "enum": ["insert", "update", "upsert"]}, ""),
        query("created_by", {"type": "string"}, "a user id"),
        query("page", {"type": "integer", "minimum": 1}, "1-based page number"),
        query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}, "default 50"),
        query(
            "page_token",
            {"type": "string"},
            "info.next_page_token of the page before, sent with the same filters and per_page",
        ),
    ]
}


@router.get("/crm/bulk/{version}/write", openapi_extra=LIST_EXTRA)
async def jobs(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    accept_query(request, PARAMETERS)
    base = str(request.base_url).rstrip("/")
    params = dict(request.query_params)
    document = await store_read(services, list_jobs, services, principal, params, version, base)
    return ZohoJSON(document)


@router.get("/crm/bulk/{version}/write/{job_id}/events")
async def events(
    version: VersionDep,
    job_id: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> EventSourceResponse:
    """``text/event-stream``: ``details`` at once and on each change, ``end`` at the end."""
    accept_query(request, NONE)
    base = str(request.base_url).rstrip("/")
    stream = DetailStream(services, principal, job_id, version, base)
    first = await store_read(services, stream.poll)  # a 404 or 403 is answered before it
    assert first is not None
    return EventSourceResponse(_events(services, stream, first), ping=HEARTBEAT_SECONDS)


async def _events(
    services: Services, stream: DetailStream, first: dict[str, Any]
) -> AsyncIterator[ServerSentEvent]:
    document: dict[str, Any] | None = first
    signal = ChangeSignal(services, stream.job_id)
    try:
        while True:
            if document is not None:
                yield ServerSentEvent(json.dumps(document), event="details")
                if ended(document):
                    yield ServerSentEvent(json.dumps(document), event="end")
                    return
            await signal.wait()
            try:
                document = await store_read(services, stream.poll)
            except StoreUnavailable:
                document = None  # the database is away: the stream waits for it
    finally:
        signal.close()


@router.post("/crm/bulk/{version}/write/{job_id}/actions/cancel")
async def cancel(
    version: VersionDep, job_id: str, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    """Cancel a job not ended (write scope): it stops after the chunk in flight."""
    cancelled = await run_in_threadpool(cancel_job, services, principal, job_id)
    return ZohoJSON(
        {
            "status": "success",
            "code": "SUCCESS",
            "message": "The job is being cancelled.",
            "details": {"id": cancelled},
        }
    )
