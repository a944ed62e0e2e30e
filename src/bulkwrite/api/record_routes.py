"""Records read back: ``GET /crm/{v}/{module}`` and ``GET /crm/{v}/{module}/{id}`` (section 10).

These paths match what other routes serve too (``/crm/{v}/upload``), so this router must be
included last; a GET that only reached it because another route serves the path with other
methods is answered as that route would be: ``INVALID_REQUEST_METHOD``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep
from bulkwrite.api.envelope import ZohoJSON, version_is_known
from bulkwrite.api.openapi_doc import RECORD_EXTRA, RECORDS_EXTRA
from bulkwrite.api.query_params import RECORD_UNSUPPORTED, accept_query
from bulkwrite.domain.schema_file import API_NAME
from bulkwrite.errors import RequestMethodInvalid, UrlPatternInvalid
from bulkwrite.services.records import RecordPage, RecordQuery, get_record, list_records


async def wrong_method_elsewhere(request: Request) -> None:
    """Another route serves this path with other methods: the method is wrong, not the URL.

    Unless the version is unknown: then the URL is, as for every other route.
    """
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is Match.PARTIAL:
            known = version_is_known(request.url.path)
            raise RequestMethodInvalid() if known else UrlPatternInvalid()


async def module_segment(module: str) -> str:
    """The ``{module}`` path segment; one that cannot be an API name is an unknown URL."""
    if not API_NAME.match(module):
        raise UrlPatternInvalid()
    return module


ModuleDep = Annotated[str, Depends(module_segment)]
router = APIRouter(dependencies=[Depends(wrong_method_elsewhere)])
LIST_PARAMETERS = frozenset({"fields", "page", "per_page", "sort_by", "sort_order", "page_token"})
RECORD_PARAMETERS = frozenset({"fields"})


@router.get("/crm/{version}/{module}", openapi_extra=RECORDS_EXTRA)
async def records(
    version: VersionDep,
    module_name: ModuleDep,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> Response:
    accept_query(request, LIST_PARAMETERS, RECORD_UNSUPPORTED)
    params = request.query_params
    query = RecordQuery(
        fields=params.get("fields"),
        page=params.get("page"),
        per_page=params.get("per_page"),
        sort_by=params.get("sort_by"),
        sort_order=params.get("sort_order"),
        page_token=params.get("page_token"),
        tokens=version not in ("v2", "v2.1"),
    )
    page = await run_in_threadpool(list_records, services, principal, module_name, query)
    return _answer(page)


@router.get("/crm/{version}/{module}/{record_id}", openapi_extra=RECORD_EXTRA)
async def record(
    version: VersionDep,
    module_name: ModuleDep,
    record_id: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> Response:
    accept_query(request, RECORD_PARAMETERS, RECORD_UNSUPPORTED)
    fields = request.query_params.get("fields")
    page = await run_in_threadpool(get_record, services, principal, module_name, record_id, fields)
    return _answer(page)


def _answer(page: RecordPage) -> Response:
    if not page.data:
        return Response(status_code=204)
    return ZohoJSON(page.document())
