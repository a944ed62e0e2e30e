"""Open a job's result zip for download."""

from __future__ import annotations

from datetime import timedelta

from bulkwrite.clock import now
from bulkwrite.domain.identity import Principal
from bulkwrite.errors import ResourceNotFound
from bulkwrite.files.storage import StoredObject
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import load_job
from bulkwrite.services.results.assemble import result_key


def open_result(
    services: Services, principal: Principal, zgid: str, job_id: str, file_name: str
) -> StoredObject:
    """A job's result zip opened for reading, if the caller may read it and it has not expired."""
    if zgid != principal.org.zgid or file_name != f"{job_id}.zip":
        raise ResourceNotFound()
    job, _, _ = load_job(services, principal, job_id)
    if not job.result_ready or job.finished_time is None:
        raise ResourceNotFound()
    if job.finished_time + timedelta(days=services.settings.result_ttl_days) < now():
        raise ResourceNotFound("The result has expired.")
    try:
        return services.files.open(result_key(job.id))
    except FileNotFoundError:
        raise ResourceNotFound() from None
