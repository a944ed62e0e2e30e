"""Job control beyond Zoho (beyond-zoho.md sections 1-3): list jobs, the live events stream of
a job, cancel a job. Same auth, scopes, envelope and org isolation as job details."""

from __future__ import annotations

from fastapi import APIRouter, Request

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep, store_read
from bulkwrite.api.envelope import ZohoJSON
from bulkwrite.services.job_list import list_jobs

router = APIRouter()


@router.get("/crm/bulk/{version}/write")
async def jobs(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    base = str(request.base_url).rstrip("/")
    params = dict(request.query_params)
    document = await store_read(services, list_jobs, services, principal, params, version, base)
    return ZohoJSON(document)
