"""Modules (beyond-zoho.md §8): the org's modules and their fields, as the metadata API
shows them to the caller (its settings scope)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from bulkwrite.services.schema import metadata_modules
from bulkwrite.ui.web import SessionDep, page, services_of

router = APIRouter()


@router.get("/modules")
async def modules(request: Request, session: SessionDep) -> Response:
    services = services_of(request)
    found = await run_in_threadpool(metadata_modules, services, session.principal)
    listed = sorted(found, key=lambda m: (m.kind.value != "module", m.api_name))
    return page(request, "modules.html", session, title="Modules", modules=listed)
