"""The four steps of a Bulk Write: upload, create, details, download."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep, store_read
from bulkwrite.api.envelope import ZohoJSON
from bulkwrite.api.multipart import read_file_part
from bulkwrite.api.openapi_doc import CREATE_EXTRA, UPLOAD_EXTRA
from bulkwrite.api.query_params import NONE, accept_query
from bulkwrite.domain.idempotency import Answer
from bulkwrite.domain.ids import parse_digits
from bulkwrite.errors import (
    DataInvalid,
    FileTooLarge,
    LimitExceeded,
)
from bulkwrite.services.create_job import check_may_create, create_answer, create_job
from bulkwrite.services.details import job_details
from bulkwrite.services.idempotency import (
    Hold,
    answer_once,
    json_hash,
    keyed,
    parse_key,
    request_hash,
)
from bulkwrite.services.results.download import open_result
from bulkwrite.services.uploads import check_upload_headers, upload_answer, upload_file

router = APIRouter()
MAX_JSON_BYTES = 1024 * 1024
#: How deep a create body may nest arrays and objects (a real one nests 6 deep).
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_OPENING = frozenset(b"[{")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
MULTIPART_SLACK = 1024 * 1024


@router.post("/crm/{version}/upload", openapi_extra=UPLOAD_EXTRA)
async def upload(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    check_upload_headers(
        principal, request.headers.get("feature"), request.headers.get("x-crm-org")
    )
    key = parse_key(request.headers.get("idempotency-key"))
    declared = parse_digits(request.headers.get("content-length"), 20)
    limit = services.settings.max_upload_bytes
    if declared is not None and declared > limit + MULTIPART_SLACK:
        raise FileTooLarge()
    part = await read_file_part(request, limit, services.files.tmp_dir, hashed=key is not None)
    digest = request_hash("upload", part.sha256.encode(), (part.filename or "").encode())
    keyed_request = keyed(principal, "upload", key, digest)

    def make(hold: Hold | None) -> Answer:
        stored = upload_file(
            services, principal, part.path, part.filename, hold, counted=part.counted
        )
        return upload_answer(stored)

    try:
        answer = await run_in_threadpool(answer_once, services, keyed_request, make)
    finally:
        part.path.unlink(missing_ok=True)  # still there if it was not a bare CSV
        part.release()
    return ZohoJSON(answer.body, status_code=answer.status_code)


@router.post("/crm/bulk/{version}/write", status_code=201, openapi_extra=CREATE_EXTRA)
async def create(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    key = parse_key(request.headers.get("idempotency-key"))
    body = await _json_body(request)
    if key is not None:
        check_may_create(principal)  # before a kept answer is shown

    def make(hold: Hold | None) -> Answer:
        return create_answer(create_job(services, principal, body, hold), principal)

    keyed_request = keyed(principal, "create", key, json_hash("create", body))
    answer = await run_in_threadpool(answer_once, services, keyed_request, make)
    return ZohoJSON(answer.body, status_code=answer.status_code)


async def _json_body(request: Request) -> Any:
    raw = bytearray()
    async for block in request.stream():
        raw += block
        if len(raw) > MAX_JSON_BYTES:
            raise LimitExceeded(f"The request body is larger than {MAX_JSON_BYTES} bytes.")
    if nested_too_deep(bytes(raw), MAX_JSON_DEPTH):
        raise DataInvalid.at(
            "body", "$", f"The request body nests arrays and objects over {MAX_JSON_DEPTH} deep."
        )
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise DataInvalid.at("body", "$", "The request body is not valid JSON.") from None


def nested_too_deep(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit`` (brackets inside
    strings do not count), found before ``json.loads`` recurses into it."""
    depth = 0
    for byte in _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in _OPENING else -1
        if depth > limit:
            return True
    return False


@router.get("/crm/bulk/{version}/write/{job_id}")
async def details(
    version: VersionDep,
    job_id: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> ZohoJSON:
    accept_query(request, NONE)
    base = str(request.base_url).rstrip("/")
    document = await store_read(services, job_details, services, principal, job_id, version, base)
    return ZohoJSON(document)


@router.get("/v2/crm/{zgid}/bulk-write/{job_id}/{file_name}")
async def download(
    zgid: str,
    job_id: str,
    file_name: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> Response:
    accept_query(request, NONE)
    result = await run_in_threadpool(open_result, services, principal, zgid, job_id, file_name)
    if result.path is not None:  # a file on this machine: let the server send it directly
        result.close()
        return FileResponse(
            result.path,
            media_type="application/zip",
            filename=f"{job_id}.zip",
            content_disposition_type="attachment",
        )
    return StreamingResponse(
        result.blocks(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{job_id}.zip"',
            "Content-Length": str(result.size),
        },
    )
