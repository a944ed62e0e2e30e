"""The callbacks' outbox: a delivery recorded in the transaction of the job's final state,
then sent by the workers (``deliver_due``) until the receiver answers 2xx, it answers a 4xx
other than 408/429, or ``callback_retry_hours`` have passed since the job ended.

A worker takes a due delivery by pushing its ``next_attempt_time`` to the end of a lease
(compare-and-set), sends it, and records the outcome only if it still holds that lease. A
worker that dies mid-attempt leaves the delivery due again when the lease ends: delivery is
at least once, with the same ``X-Bulkwrite-Delivery`` id every time.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from bulkwrite.domain.callback import AttemptRecord, Delivery, DeliveryStatus
from bulkwrite.domain.job import Job, JobStatus
from bulkwrite.errors import StateConflict
from bulkwrite.services.callbacks.check import allowance
from bulkwrite.services.callbacks.secrets import org_secret
from bulkwrite.services.callbacks.sender import Attempt, Message, SendOptions, Verdict, send
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import render_details
from bulkwrite.settings import Settings
from bulkwrite.store.base import Tx

log = logging.getLogger(__name__)
#: Deliveries taken per look at the outbox.
DUE_BATCH = 20
#: The job-details version the callback body is rendered in.
BODY_VERSION = "v8"


def now() -> datetime:
    """The outbox's clock: to the microsecond (pauses between attempts may be short)."""
    return datetime.now(UTC)


def event_of(status: JobStatus) -> str:
    """``job.completed``, ``job.failed`` (``job.cancelled`` once jobs can be cancelled)."""
    return f"job.{status.value.lower()}"


def record_delivery(tx: Tx, job: Job, status: JobStatus) -> None:
    """In the transaction that moves the job to its final ``status``: its callback's
    delivery, due now (nothing if the job has no callback)."""
    if not job.spec.callback_url:
        return
    at = now()
    delivery = Delivery(
        id=str(uuid.uuid4()),
        job_id=job.id,
        org_id=job.org_id,
        url=job.spec.callback_url,
        event=event_of(status),
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_time=at,
        last_attempt_time=None,
        last_status_code=None,
        last_error=None,
        created_time=at,
    )
    tx.insert_delivery(delivery)


def deliver_due(services: Services, limit: int = DUE_BATCH, at: datetime | None = None) -> int:
    """Make one attempt of each delivery due at ``at`` (default: now); returns how many
    attempts were made."""
    with services.store.transaction(write=False) as tx:
        due = tx.due_deliveries(at or now(), limit)
    return sum(attempt_delivery(services, delivery_id) for delivery_id in due)


def drain_due(services: Services) -> None:
    """Attempt every delivery that is due now, once each at least (a queue's ``join()``);
    those that fall due again later are left to the delivery loop, so this ends."""
    started = now()
    while deliver_due(services, at=started):
        pass


def lease_seconds(settings: Settings) -> float:
    """How long a worker holds a delivery for one attempt: more than the POST can take."""
    return 2 * settings.callback_timeout + 5


def attempt_delivery(services: Services, delivery_id: str) -> bool:
    """Take the delivery if it is due, POST it once, record the outcome; False if another
    worker had taken it."""
    at = now()
    lease = at + timedelta(seconds=lease_seconds(services.settings))
    with services.store.transaction() as tx:
        if not tx.claim_delivery(delivery_id, at, lease):
            return False
        delivery = tx.get_delivery(delivery_id)
        assert delivery is not None
        message = _message(tx, services, delivery, at)
    attempt = _attempt(services.settings, message)
    record = next_step(services.settings, delivery, attempt, now())
    try:
        with services.store.transaction() as tx:
            tx.record_attempt(delivery_id, lease, record)
    except StateConflict:
        log.warning("callback %s: its lease ran out during the attempt", delivery_id)
        return True
    _log(delivery, record)
    return True


def next_step(
    settings: Settings, delivery: Delivery, attempt: Attempt, at: datetime
) -> AttemptRecord:
    """The delivery after an attempt: delivered, failed, or pending until a later try —
    unless that would be past the retry window, when it is given up (failed)."""
    status = {
        Verdict.DELIVERED: DeliveryStatus.DELIVERED,
        Verdict.FAILED: DeliveryStatus.FAILED,
        Verdict.RETRY: DeliveryStatus.PENDING,
    }[attempt.verdict]
    error = attempt.error
    due = at
    if status is DeliveryStatus.PENDING:
        due = at + timedelta(seconds=backoff(settings, delivery.attempts + 1))
        window = timedelta(hours=settings.callback_retry_hours)
        if due > delivery.created_time + window:
            status = DeliveryStatus.FAILED
            error = f"{error}; given up after {delivery.attempts + 1} attempts"
    return AttemptRecord(status, at, attempt.status_code, error, due)


def backoff(settings: Settings, attempts: int) -> float:
    """The pause after the ``attempts``-th attempt: doubling from the base up to the cap,
    each pause drawn between half and all of it (jitter, so receivers are not hit in step)."""
    base, cap = settings.callback_retry_base_seconds, settings.callback_retry_cap_seconds
    pause = min(cap, base * 2.0 ** min(attempts - 1, 60))
    return pause * (0.5 + random.random() / 2)  # jitter, not a secret


def _message(tx: Tx, services: Services, delivery: Delivery, at: datetime) -> Message | None:
    """The POST to make: the job's final details as JSON, signed by the org's secrets."""
    job = tx.get_job(delivery.job_id)
    org = tx.get_org(delivery.org_id)
    if job is None or org is None:
        return None
    module = tx.get_module(job.org_id, job.spec.module)
    if module is None:
        return None
    creator = tx.get_user(job.org_id, job.user_id)
    document = render_details(job, module, creator, org, services.settings.base_url, BODY_VERSION)
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    signing = org_secret(tx, delivery.org_id, at).valid(at)
    return Message(delivery.url, delivery.id, delivery.event, body, signing)


def _attempt(settings: Settings, message: Message | None) -> Attempt:
    """Send the message; a fault of this server's is an attempt that failed (so the retry
    window still applies), logged with its traceback."""
    if message is None:
        return Attempt(Verdict.FAILED, error="the job or its org is gone")
    try:
        return send(message, _options(settings))
    except Exception as exc:
        log.exception("callback %s: the attempt broke", message.delivery_id)
        return Attempt(Verdict.RETRY, error=f"internal error: {type(exc).__name__}")


def _options(settings: Settings) -> SendOptions:
    return SendOptions(allowance(settings), settings.callback_timeout, time.time)


def _log(delivery: Delivery, record: AttemptRecord) -> None:
    if record.status is DeliveryStatus.DELIVERED:
        log.info("callback %s of job %s delivered", delivery.id, delivery.job_id)
    elif record.status is DeliveryStatus.FAILED:
        log.warning("callback %s of job %s failed: %s", delivery.id, delivery.job_id, record.error)
    else:
        log.info(
            "callback %s of job %s: %s; again at %s",
            delivery.id,
            delivery.job_id,
            record.error,
            record.next_attempt_time.isoformat(),
        )
