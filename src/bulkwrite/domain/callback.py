"""A job's callback delivery (the outbox row, beyond-zoho.md §7) and an org's callback secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeliveryStatus(StrEnum):
    """Where a callback delivery stands; the values are the wire strings of job details."""

    #: Not yet answered 2xx: sent (again) when ``next_attempt_time`` comes.
    PENDING = "pending"
    #: The receiver answered 2xx.
    DELIVERED = "delivered"
    #: Given up: a 4xx other than 408/429, a refused address, or the retry window ran out.
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The callback of one finished job: recorded with the job's final state, sent by the
    workers until it is delivered or given up."""

    id: str
    job_id: str
    org_id: str
    url: str
    event: str
    status: DeliveryStatus
    attempts: int
    next_attempt_time: datetime
    last_attempt_time: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_time: datetime


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """What one attempt of a delivery leaves: the status after it, when it was made, the
    answer's code or the error, and when the next attempt is due."""

    status: DeliveryStatus
    at: datetime
    status_code: int | None
    error: str | None
    next_attempt_time: datetime


@dataclass(frozen=True, slots=True)
class CallbackSecret:
    """An org's secret that signs its callbacks, and the one before it while it is still
    valid (until ``previous_expires_time``)."""

    org_id: str
    secret: str
    previous_secret: str | None
    previous_expires_time: datetime | None
    rotated_time: datetime

    def valid(self, at: datetime) -> list[str]:
        """The secrets a callback is signed with at ``at``: the current one first."""
        keep = self.previous_secret is not None and (
            self.previous_expires_time is not None and self.previous_expires_time > at
        )
        return [self.secret, *([self.previous_secret] if keep and self.previous_secret else [])]
