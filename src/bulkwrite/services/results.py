"""Open a job's result zip for download."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bulkwrite.domain.accounts import Principal
from bulkwrite.errors import ResourceNotFound
from bulkwrite.services.context import Services
from bulkwrite.services.details import load_job
from bulkwrite.services.result_file import result_path
from bulkwrite.store.serialize import now


def open_result(
    services: Services, principal: Principal, zgid: str, job_id: str, file_name: str
) -> Path:
    """The path of a job's result zip, if the caller may read it and it has not expired."""
    if zgid != principal.org.zgid or file_name != f"{job_id}.zip":
        raise ResourceNotFound()
    job, _, _ = load_job(services, principal, job_id)
    if not job.result_ready or job.finished_time is None:
        raise ResourceNotFound()
    if job.finished_time + timedelta(days=services.settings.result_ttl_days) < now():
        raise ResourceNotFound("The result has expired.")
    path = result_path(services, job.id)
    if not path.exists():
        raise ResourceNotFound()
    return path
