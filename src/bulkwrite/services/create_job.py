"""Create a job: validate everything synchronously, store it ADDED, enqueue it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkwrite.clock import now
from bulkwrite.domain.idempotency import Answer
from bulkwrite.domain.identity import FileMember, Principal
from bulkwrite.domain.ids import parse_id
from bulkwrite.domain.job import Job, JobSpec, JobStatus
from bulkwrite.domain.modules import Module
from bulkwrite.domain.scopes import may_create
from bulkwrite.errors import (
    FileIdInvalid,
    LimitExceeded,
    ScopeMismatch,
)
from bulkwrite.importer.headers import unread_columns
from bulkwrite.importer.plan import auto_mappings, compile_spec
from bulkwrite.services.callbacks.check import check_callback_url
from bulkwrite.services.child_resources import ChildContext, check_parent_module, with_children
from bulkwrite.services.collaborators import Services
from bulkwrite.services.idempotency import Hold
from bulkwrite.services.job_request import JobRequest, parse_job_request
from bulkwrite.services.permissions import check_may_write
from bulkwrite.services.progress import rows_total_at_upload
from bulkwrite.services.resource_input import find_module, read_dialect, read_header, resource_csvs
from bulkwrite.store.base import Tx

#: Called with the new job in the transaction that stores it (e.g. a retry's link to its
#: original): it commits with the job or not at all.
Also = Callable[[Tx, Job], None]


def create_job(
    services: Services,
    principal: Principal,
    body: Any,
    hold: Hold | None = None,
    also: Also | None = None,
) -> Job:
    """Check the request against everything known now; store the job ADDED and queue it
    (``hold``: an idempotency key's, called with the answer in the job's transaction;
    ``also``: called with the job in that transaction, after it is stored)."""
    spec, file_name = checked_spec(services, principal, body)
    return _add_job(services, principal, spec, file_name, hold, also)


def create_answer(job: Job, principal: Principal) -> Answer:
    """The create call's answer for a job just created."""
    created_by = {"id": principal.user.id, "name": principal.user.full_name}
    return Answer(
        201,
        {
            "status": "success",
            "code": "SUCCESS",
            "message": "success",
            "details": {"id": job.id, "created_by": created_by},
        },
    )


def checked_spec(services: Services, principal: Principal, body: Any) -> tuple[JobSpec, str]:
    """The job a create request asks for, checked against everything known now (raises the
    contract's errors), and the name of the CSV its first resource reads."""
    check_may_create(principal)
    request = parse_job_request(body)
    check_callback_url(request.callback_url, services.settings)
    parent = request.parent
    file_id = parse_id(parent.file_id)
    with services.store.transaction(write=False) as tx:
        modules = {m.api_name: m for m in tx.list_modules(principal.org.id)}
        stored = None if file_id is None else tx.get_file(principal.org.id, file_id)
    module = find_module(parent, modules)
    if not may_create(principal.scopes, module.api_name, request.operation):
        raise ScopeMismatch()
    check_may_write(principal, module.api_name, request.operation)
    if stored is None:
        raise FileIdInvalid.at("file_id", f"{parent.path}.file_id", "The file_id is invalid.")
    csvs = resource_csvs(request.resources, stored)
    check_parent_module(module, parent.path)
    spec, width = _spec(services, request, module, modules, (stored.id, csvs[0]))
    if len(request.resources) > 1:
        context = ChildContext(module, modules, stored, csvs, width)
        spec = with_children(services, request, spec, context)
    return spec, csvs[0].name


def check_may_create(principal: Principal) -> None:
    """The token may create jobs (of some module), else ``ScopeMismatch``."""
    if not principal.scopes & {"ZohoCRM.bulk.CREATE", "ZohoCRM.bulk.ALL"}:
        raise ScopeMismatch()


def _spec(
    services: Services,
    request: JobRequest,
    module: Module,
    modules: dict[str, Module],
    source: tuple[str, FileMember],
) -> tuple[JobSpec, int]:
    """The job as it will run, its mappings compiled once against the file's header; the
    header's width."""
    resource = request.parent
    file_id, csv = source
    path = services.files.local_path(csv.path)
    dialect = read_dialect(request, resource, csv, path)
    header = read_header(path, dialect, resource.path)
    mappings = resource.mappings
    if mappings is None:
        mappings = auto_mappings(module, header, modules)
    spec = JobSpec(
        request.operation,
        module.api_name,
        file_id,
        resource.find_by,
        mappings,
        resource.mappings is None,
        resource.ignore_empty,
        dialect.encoding,
        dialect.delimiter,
        request.callback_url,
        request.callback_method,
        unread_columns(header, mappings),
        resource.file_name,
        dry_run=request.dry_run,
    )
    compile_spec(spec, module, modules, header, services.settings.max_columns)
    return spec, len(header)


def _add_job(
    services: Services,
    principal: Principal,
    spec: JobSpec,
    file_name: str,
    hold: Hold | None,
    also: Also | None,
) -> Job:
    with services.store.transaction() as tx:
        job = Job(
            tx.new_id(),
            principal.org.id,
            principal.user.id,
            spec,
            JobStatus.ADDED,
            now(),
            file_name,
        )
        if hold is not None:  # first: a request that lost the key answers as the winner did
            hold(tx, create_answer(job, principal))
        if tx.count_open_jobs(principal.org.id) >= services.settings.max_jobs_in_flight:
            raise LimitExceeded(
                f"The org already has {services.settings.max_jobs_in_flight} jobs in progress."
            )
        tx.insert_job(job, spec.file_id)
        _keep_rows_total(tx, job)
        if also is not None:
            also(tx, job)
        services.queue.defer(tx, job.id)
    services.queue.enqueue(job.id)
    return job


def _keep_rows_total(tx: Tx, job: Job) -> None:
    """The job's rows in all from its upload's counts, when they fit how it reads its CSVs (else
    the run counts them: ``services/progress.py``)."""
    stored = tx.get_file(job.org_id, job.spec.file_id)
    total = None if stored is None else rows_total_at_upload(stored, job)
    if total is not None:
        tx.set_rows_total(job.id, total)
