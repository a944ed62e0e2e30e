"""Cancel a job (beyond-zoho.md section 3).

A cancel is a flag in the store, set by compare-and-set while the job is open, so it outlives
any crash. The runner reads it inside each chunk's transaction before writing (``check_open``):
the chunk in flight commits or rolls back whole, no later one is written, and the job ends
CANCELLED through ``finish_job`` (its result with the rows never reached UNPROCESSED, its
callback ``job.cancelled``). A job still ADDED is ended at once by the call itself.
"""

from __future__ import annotations

import logging

from bulkwrite.domain.identity import Principal
from bulkwrite.domain.job import FINAL_STATES, JobStatus
from bulkwrite.domain.scopes import may_create
from bulkwrite.errors import NotAllowed, ScopeMismatch, StateConflict
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import load_job
from bulkwrite.services.permissions import check_may_write

log = logging.getLogger(__name__)
ENDED = "The job has already ended."


def cancel_job(services: Services, principal: Principal, job_id: str) -> str:
    """Accept a cancel of a job of the caller's org (as job details finds it, with the write
    checks of create); the job's id. An ended job is ``NotAllowed``."""
    job, module, _ = load_job(services, principal, job_id)
    if not may_create(principal.scopes, module.api_name, job.spec.operation):
        raise ScopeMismatch()
    check_may_write(principal, module.api_name, job.spec.operation)
    with services.store.transaction() as tx:
        asked = tx.request_cancel(job.id)
        now = tx.get_job(job.id)
    if now is None or (not asked and now.status in FINAL_STATES):
        raise NotAllowed(ENDED)
    if now.status is JobStatus.ADDED:
        end_added(services, job.id)
    return job.id


def end_added(services: Services, job_id: str) -> None:
    """A cancelled job no worker has started: started and ended CANCELLED here (every row
    UNPROCESSED). A worker that started it first cancels it at its first chunk instead."""
    from bulkwrite.services.run.runner import finish_job

    try:
        with services.store.transaction() as tx:
            tx.move_job(job_id, JobStatus.ADDED, JobStatus.INPROGRESS)
    except StateConflict:
        return  # a worker has it: it stops before its first chunk
    try:
        finish_job(services, job_id, JobStatus.CANCELLED, None)
    except StateConflict:
        log.info("job %s: a worker ended it first", job_id)
