"""The job-details document of contract section 6."""

from __future__ import annotations

import dataclasses
from typing import Any

from bulkwrite.domain.identity import Org, Principal, User
from bulkwrite.domain.ids import parse_id
from bulkwrite.domain.job import Counts, FieldMapping, Job, JobStatus, ResourceSpec
from bulkwrite.domain.modules import Module
from bulkwrite.domain.scopes import may_read_jobs
from bulkwrite.errors import ResourceNotFound, ScopeMismatch
from bulkwrite.services.callbacks.visible import add_delivery
from bulkwrite.services.collaborators import Services
from bulkwrite.services.dry_run import dry_run_details
from bulkwrite.services.permissions import check_may_read
from bulkwrite.services.progress import add_progress
from bulkwrite.services.retry_links import retry_details
from bulkwrite.services.run.resources import resource_view

_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf_8": "UTF-8",
    "utf-16": "UTF-16",
    "utf_16": "UTF-16",
    "cp1252": "windows-1252",
    "latin-1": "ISO-8859-1",
    "iso8859-1": "ISO-8859-1",
    "latin_1": "ISO-8859-1",
}


def encoding_label(codec: str) -> str:
    return _ENCODING_NAMES.get(codec.lower(), codec.upper())


def download_url(base_url: str, org: Org, job_id: str) -> str:
    return f"{base_url}/v2/crm/{org.zgid}/bulk-write/{job_id}/{job_id}.zip"


def load_job(
    services: Services, principal: Principal, job_id: str
) -> tuple[Job, Module, User | None]:
    """A job of the caller's org, after the read checks; another org's is not found."""
    if not may_read_jobs(principal.scopes):
        raise ScopeMismatch()
    if parse_id(job_id) is None:
        raise ResourceNotFound()
    with services.store.transaction(write=False) as tx:
        job = tx.get_job(job_id, principal.org.id)
        if job is None:
            raise ResourceNotFound()
        module = tx.get_module(job.org_id, job.spec.module)
        creator = tx.get_user(job.org_id, job.user_id)
    if module is None:
        raise ResourceNotFound()
    check_may_read(principal, module.api_name)
    return job, module, creator


def job_details(
    services: Services,
    principal: Principal,
    job_id: str,
    version: str,
    request_base: str | None = None,
) -> dict[str, Any]:
    """The details document; download URLs use the public URL, else the request's own base."""
    job, module, creator = load_job(services, principal, job_id)
    base = services.settings.public_url or request_base or services.settings.base_url
    document = render_details(job, module, creator, principal.org, base, version)
    add_delivery(services, job, document)  # callback.delivery (beyond-zoho.md §7)
    document.update(dry_run_details(job))  # "dry_run": true (beyond-zoho.md §4)
    document.update(retry_details(services, job))  # retry_of, retries (beyond-zoho.md §5)
    add_progress(services, job, document)  # progress (beyond-zoho.md §2)
    return document


def render_details(
    job: Job,
    module: Module,
    creator: User | None,
    org: Org,
    base_url: str,
    version: str,
) -> dict[str, Any]:
    spec = job.spec
    document: dict[str, Any] = {
        "status": job.status.value,
        "character_encoding": encoding_label(spec.character_encoding),
        "id": job.id,
        "operation": spec.operation.value,
        "ignore_empty": spec.ignore_empty,
    }
    if spec.callback_url:
        document["callback"] = {"url": spec.callback_url, "method": spec.callback_method}
    document["created_by"] = {"id": job.user_id, "name": creator.full_name if creator else ""}
    document["created_time"] = job.created_time.isoformat()
    if job.spec.children:
        document["resource"] = resources_of(job, module, version)
    else:
        document["resource"] = [_resource(job, module, version)]
    if job.result_ready:
        document["result"] = {"download_url": download_url(base_url, org, job.id)}
    return document


def _resource(job: Job, module: Module, version: str) -> dict[str, Any]:
    spec = job.spec
    module_value: Any = (
        module.api_name if version == "v2" else {"api_name": module.api_name, "id": module.id}
    )
    resource: dict[str, Any] = {
        "status": JobStatus.INPROGRESS.value if job.status is JobStatus.ADDED else job.status.value,
        "code": job.status.value,
        "type": "data",
        "module": module_value,
    }
    if spec.find_by:
        resource["find_by"] = spec.find_by
    resource["field_mappings"] = [echo_mapping(m, version) for m in spec.mappings]
    resource["unmapped_columns"] = list(spec.unmapped_columns)  # bulkwrite's: SDKs ignore it
    resource["file"] = _file(job)
    if job.status is JobStatus.FAILED:
        resource["error"] = {
            "code": job.error_code or "INTERNAL_ERROR",
            "message": job.error_message or "The job failed.",
        }
    return resource


def echo_mapping(mapping: FieldMapping, version: str) -> dict[str, Any]:
    """A mapping as echoed: its six keys, and from v2.1 on ``parent_column_index`` too."""
    wire = mapping.to_wire()
    if version != "v2":
        wire["parent_column_index"] = mapping.parent_column_index
    return wire


def _file(job: Job) -> dict[str, Any]:
    if job.status is JobStatus.ADDED:
        return {"status": JobStatus.INPROGRESS.value, "name": job.file_name}
    counts = job.counts
    return {
        "status": job.status.value,
        "name": job.file_name,
        "added_count": counts.added,
        "skipped_count": counts.skipped,
        "updated_count": counts.updated,
        "total_count": counts.total,
    }


def resources_of(job: Job, parent: Module, version: str) -> list[dict[str, Any]]:
    """One entry per resource of a job of several resources, in request order: those written
    to their end COMPLETED with their counts, the one being written as the job is, those
    after it ADDED (SKIPPED once the job failed)."""
    entries = []
    for number in range(len(job.spec.children) + 1):
        view = resource_view(job, number)
        module = parent if number == 0 else _named(job.spec.children[number - 1])
        if number < job.resource_no:
            done = job.resources_done[number]
            view = dataclasses.replace(
                view, status=JobStatus.COMPLETED, counts=done.counts, error_code=None
            )
        elif number > job.resource_no:
            view = dataclasses.replace(view, status=JobStatus.ADDED, counts=Counts())
        entry = _resource(view, module, version)
        if number > job.resource_no:
            entry.update(_waiting(view, job.status is JobStatus.FAILED))
            if job.status is JobStatus.CANCELLED:  # a resource never reached (section 3)
                entry.update(_waiting(view, False, JobStatus.CANCELLED.value))
        entries.append(entry)
    return entries


def _waiting(view: Job, failed: bool, state: str | None = None) -> dict[str, Any]:
    """A resource the job had not reached: ADDED while it runs, SKIPPED once it failed
    (``state``, when given: CANCELLED once the job was cancelled)."""
    state = state or ("SKIPPED" if failed else JobStatus.ADDED.value)
    return {
        "status": state,
        "code": state,
        "file": {"status": state, "name": view.file_name},
    }


def _named(child: ResourceSpec) -> Module:
    """A child resource's module as its details name it (API name and id)."""
    return Module(child.module, child.module_id, (), "")
