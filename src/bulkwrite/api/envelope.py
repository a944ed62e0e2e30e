"""The contract's error envelope, and the one place domain errors become HTTP responses."""

from __future__ import annotations

import errno
import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bulkwrite.errors import (
    BulkWriteError,
    DataInvalid,
    DiskFull,
    RequestMethodInvalid,
    UrlPatternInvalid,
)

log = logging.getLogger(__name__)
VERSION = re.compile(r"^v(2|2\.1|[3-8])$")
JSON_TYPE = "application/json;charset=UTF-8"


class ZohoJSON(JSONResponse):
    media_type = JSON_TYPE


def envelope(error: BulkWriteError) -> ZohoJSON:
    body: dict[str, Any] = {
        "code": error.code,
        "details": error.details,
        "message": error.message,
        "status": "error",
    }
    return ZohoJSON(body, status_code=error.http_status)


async def _domain(request: Request, exc: Exception) -> ZohoJSON:
    assert isinstance(exc, BulkWriteError)
    if exc.http_status >= 500:
        log.error("request %s failed: %s", _request_id(request), exc.message)
    return envelope(exc)


async def _http(request: Request, exc: Exception) -> ZohoJSON:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        known = version_is_known(request.url.path)
        return envelope(RequestMethodInvalid() if known else UrlPatternInvalid())
    if exc.status_code == 404:
        return envelope(UrlPatternInvalid())
    return envelope(DataInvalid(str(exc.detail)))


async def _validation(request: Request, exc: Exception) -> ZohoJSON:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return envelope(
        DataInvalid(f"Invalid request: {where}", {"api_name": where, "json_path": f"$.{where}"})
    )


async def _unexpected(request: Request, exc: Exception) -> ZohoJSON:
    if isinstance(exc, OSError) and exc.errno in NO_SPACE:
        log.error("request %s: %s", _request_id(request), exc)
        return envelope(DiskFull())
    log.exception("request %s failed", _request_id(request))
    return envelope(BulkWriteError())


#: The errors a write to a full disk (or a spent quota) gives: answered as ``DiskFull``.
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)

_VERSIONED = re.compile(r"^/crm/(?:bulk/)?([^/]+)/")


def version_is_known(path: str) -> bool:
    """False for a /crm path whose version segment is not v2, v2.1, v3 … v8."""
    found = _VERSIONED.match(path)
    return found is None or VERSION.match(found.group(1)) is not None


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BulkWriteError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)

    app.add_middleware(RequestIdMiddleware)


class RequestIdMiddleware:
    """Give each request an id (``request.state.request_id``, the ``X-Request-Id`` header) and
    answer an exception that escapes the app with the error envelope.

    Plain ASGI rather than ``@app.middleware("http")``: that one runs each request through a task
    group and memory streams, Python work which, while a job runs in this process, is paid again
    in waits for the GIL.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started:
                raise
            response = await _unexpected(Request(scope), exc)
            await response(scope, receive, send_with_id)
