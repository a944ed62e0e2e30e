"""The links between a job and its retries, as job details show them (beyond-zoho.md §5)."""

from __future__ import annotations

from typing import Any

from bulkwrite.domain.job import Job
from bulkwrite.services.collaborators import Services


def retry_details(services: Services, job: Job) -> dict[str, Any]:
    """The details keys of retries (``services/details.py``): ``retry_of``, ``retries``."""
    with services.store.transaction(write=False) as tx:
        retry_of, retries = tx.retry_links(job.id)
    out: dict[str, Any] = {}
    if retry_of is not None:
        out["retry_of"] = retry_of
    if retries:
        out["retries"] = retries
    return out
