"""A job's callback delivery as job details show it (``callback.delivery``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bulkwrite.domain.callback import Delivery, DeliveryStatus
from bulkwrite.domain.job import Job
from bulkwrite.services.collaborators import Services


def add_delivery(services: Services, job: Job, document: dict[str, Any]) -> None:
    """Set ``callback.delivery`` on a job's details: null until the job ends (its delivery is
    recorded with the final state), then the delivery's state. Nothing without a callback."""
    callback = document.get("callback")
    if not isinstance(callback, dict):
        return
    with services.store.transaction(write=False) as tx:
        delivery = tx.delivery_for_job(job.id)
    callback["delivery"] = None if delivery is None else delivery_view(delivery)


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    """The delivery's wire shape; ``next_attempt_time`` only while it is pending."""
    pending = delivery.status is DeliveryStatus.PENDING
    return {
        "id": delivery.id,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_attempt_time": _time(delivery.last_attempt_time),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_time": _time(delivery.next_attempt_time) if pending else None,
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(microsecond=0).isoformat()
