"""The callback POST when a job ends: after commit, in the background, never failing the job."""

from __future__ import annotations

import logging
import threading

import httpx

from bulkwrite.domain.job import FINAL_STATES
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import render_details

log = logging.getLogger(__name__)
ATTEMPTS = 3


def send_callback(services: Services, job_id: str) -> threading.Thread | None:
    """Start delivering the final job details to the job's callback URL, if it has one."""
    with services.store.transaction(write=False) as tx:
        job = tx.get_job(job_id)
        if job is None or not job.spec.callback_url or job.status not in FINAL_STATES:
            return None
        module = tx.get_module(job.org_id, job.spec.module)
        creator = tx.get_user(job.org_id, job.user_id)
        org = tx.get_org(job.org_id)
    if module is None or org is None:
        return None
    body = render_details(job, module, creator, org, services.settings.base_url, "v8")
    url = job.spec.callback_url
    thread = threading.Thread(
        target=_deliver,
        args=(url, body, services.settings.callback_timeout),
        name=f"callback-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread


def _deliver(url: str, body: dict[str, object], timeout: float) -> None:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = httpx.post(url, json=body, timeout=timeout)
            if response.status_code < 500:
                return
            log.warning("callback %s answered %s (attempt %d)", url, response.status_code, attempt)
        except httpx.HTTPError as exc:
            log.warning("callback %s failed: %s (attempt %d)", url, exc, attempt)
        threading.Event().wait(min(2.0**attempt, 10.0))
