"""List an org's jobs (beyond-zoho.md section 1): filtered, newest first, a page at a time.

A page is read through the index on (org_id, id DESC). ``page_token`` (handed back in
``info.next_page_token``) carries the last id of the page before, so the next page starts
right there whatever its number; a bare ``page`` skips the pages before it on that index.
A token is signed as records page tokens are (``page_tokens.seal``, the org's page key) and
bound to the org and the query (status, module, operation, created_by, per_page): an altered,
foreign, other-query or made-up token is INVALID_DATA at ``page_token``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulkwrite.domain.identity import Principal
from bulkwrite.domain.ids import parse_id
from bulkwrite.domain.job import Job, JobStatus, Operation
from bulkwrite.domain.modules import Module
from bulkwrite.domain.scopes import may_read_jobs
from bulkwrite.errors import BulkWriteError, DataInvalid, ScopeMismatch
from bulkwrite.services import page_tokens
from bulkwrite.services.callbacks.visible import add_delivery
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import render_details
from bulkwrite.services.permissions import check_may_read
from bulkwrite.services.progress import progress_of
from bulkwrite.store.base import JobFilter

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
#: The query parameters the list acts on; any other is refused.
PARAMETERS = frozenset(
    {"status", "module", "operation", "created_by", "page", "per_page", "page_token"}
)


@dataclass(frozen=True, slots=True)
class ListRequest:
    """A job list's parameters, checked."""

    where: JobFilter
    page: int
    per_page: int
    after_id: str | None = None  # from a page token: the last job of the page before
    key: bytes | None = None  # the org's page key, when reading the token needed it


def _bad(name: str, message: str) -> BulkWriteError:
    return DataInvalid.at(name, name, message)


def _whole(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise _bad(name, f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def _statuses(raw: str | None) -> tuple[JobStatus, ...]:
    if raw is None:
        return ()
    names = [part.strip() for part in raw.split(",")]
    known = {s.value for s in JobStatus}
    if not names or any(name not in known for name in names):
        raise _bad("status", f"status must be one or more of {', '.join(sorted(known))}.")
    return tuple(dict.fromkeys(JobStatus(name) for name in names))


def _filter(principal: Principal, params: Mapping[str, str]) -> JobFilter:
    operation = params.get("operation")
    if operation is not None and operation not in {o.value for o in Operation}:
        raise _bad("operation", "operation must be insert, update or upsert.")
    module = params.get("module")
    if module is not None and not module.strip():
        raise _bad("module", "module must name a module.")
    created_by = params.get("created_by")
    if created_by is not None and parse_id(created_by) is None:
        raise _bad("created_by", "created_by must be a user id.")
    return JobFilter(
        principal.org.id, _statuses(params.get("status")), module, operation, created_by
    )


def parse_list_request(
    services: Services, principal: Principal, params: Mapping[str, str]
) -> ListRequest:
    """The parameters checked: an unknown one, or a bad value, is INVALID_DATA naming it."""
    for name in params:
        if name not in PARAMETERS:
            raise _bad(name, f"{name} is not a parameter of the job list.")
    where = _filter(principal, params)
    per_page = _whole(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    token = params.get("page_token")
    if token is None:
        return ListRequest(where, _whole(params, "page", 1, 1, 10**9), per_page)
    if "page" in params:
        raise _bad("page", "page and page_token cannot be given together.")
    key = page_tokens.page_key(services, principal.org.id)
    page, after_id = read_token(key, where, per_page, token)
    return ListRequest(where, page, per_page, after_id, key)


def _query(where: JobFilter, per_page: int) -> str:
    """A digest of the query a token pages: its filters and page size."""
    module = None if where.module is None else where.module.lower()
    statuses = sorted(s.value for s in where.statuses)
    text = json.dumps([statuses, module, where.operation, where.user_id, per_page])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def page_token(key: bytes, where: JobFilter, per_page: int, page: int, last_id: str) -> str:
    """The token of the page after page ``page`` of this query, whose last job is
    ``last_id``; signed with the org's page key ``key``."""
    body: dict[str, object] = {
        "t": "jobs",
        "o": where.org_id,
        "q": _query(where, per_page),
        "p": page + 1,
        "i": last_id,
    }
    return page_tokens.seal(key, body)


def read_token(key: bytes, where: JobFilter, per_page: int, token: str) -> tuple[int, str]:
    """The page number and the last job id of the page before that ``token`` names;
    INVALID_DATA at ``page_token`` unless this server issued it for this org and query."""
    body = page_tokens.unseal(key, token) or {}
    mine = ("jobs", where.org_id, _query(where, per_page))
    page, last_id = body.get("p"), body.get("i")
    if (
        (body.get("t"), body.get("o"), body.get("q")) != mine
        or not isinstance(page, int)
        or page < 2
        or not isinstance(last_id, str)
        or parse_id(last_id) is None
    ):
        raise _bad("page_token", "page_token is not one this server handed out for this query.")
    return page, last_id


def list_jobs(
    services: Services,
    principal: Principal,
    params: Mapping[str, str],
    version: str,
    request_base: str | None = None,
) -> dict[str, Any]:
    """The job list's answer: ``jobs`` (each job's details) and ``info``."""
    if not may_read_jobs(principal.scopes):
        raise ScopeMismatch()
    request = parse_list_request(services, principal, params)
    size = request.per_page
    offset = 0 if request.after_id else (request.page - 1) * size
    with services.store.transaction(write=False) as tx:
        listed = tx.list_jobs(request.where, size + 1, offset, request.after_id)
        jobs = [job for job, _ in listed]
        controls = {job.id: control for job, control in listed}
        modules = {name: tx.get_module(principal.org.id, name) for name in _modules(jobs)}
        users = {uid: tx.get_user(principal.org.id, uid) for uid in {j.user_id for j in jobs}}
    more, jobs = len(jobs) > size, jobs[:size]
    base = services.settings.public_url or request_base or services.settings.base_url
    documents = []
    for job in jobs:
        module = modules.get(job.spec.module)
        if module is None or not _readable(principal, module):
            continue  # a job of a module the caller may not read is not shown
        document = render_details(job, module, users.get(job.user_id), principal.org, base, version)
        add_delivery(services, job, document)  # a store read only for a job with a callback
        document["progress"] = progress_of(job, controls[job.id], services.clock())
        documents.append(document)
    info: dict[str, Any] = {
        "page": request.page,
        "per_page": size,
        "count": len(documents),
        "more_records": more,
    }
    if more:
        key = request.key or page_tokens.page_key(services, principal.org.id)
        info["next_page_token"] = page_token(key, request.where, size, request.page, jobs[-1].id)
    return {"jobs": documents, "info": info}


def _modules(jobs: list[Job]) -> set[str]:
    return {job.spec.module for job in jobs}


def _readable(principal: Principal, module: Module) -> bool:
    try:
        check_may_read(principal, module.api_name)
    except BulkWriteError:
        return False
    return True
