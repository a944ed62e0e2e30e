"""The transaction's callback area: the outbox of deliveries and the orgs' signing secrets
(``CallbackTx``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bulkwrite.domain.callback import AttemptRecord, CallbackSecret, Delivery


class CallbackTx(Protocol):
    """The callbacks' outbox (one delivery per finished job with a callback) and the orgs'
    signing secrets."""

    def insert_delivery(self, delivery: Delivery) -> None: ...

    def get_delivery(self, delivery_id: str) -> Delivery | None: ...

    def delivery_for_job(self, job_id: str) -> Delivery | None: ...

    def due_deliveries(self, at: datetime, limit: int) -> list[str]:
        """Ids of pending deliveries due at ``at``, the longest due first."""
        ...

    def claim_delivery(self, delivery_id: str, at: datetime, lease_until: datetime) -> bool:
        """Compare-and-set: take a due delivery until ``lease_until``; False if not due."""
        ...

    def record_attempt(
        self, delivery_id: str, lease_until: datetime, attempt: AttemptRecord
    ) -> None:
        """Compare-and-set on the lease; ``StateConflict`` if it was lost."""
        ...

    def get_callback_secret(self, org_id: str) -> CallbackSecret | None: ...

    def insert_callback_secret(self, org_id: str, secret: str, at: datetime) -> None:
        """The org's first secret; nothing if it has one already."""
        ...

    def rotate_callback_secret(
        self, old: CallbackSecret, secret: str, at: datetime, old_until: datetime
    ) -> None:
        """Compare-and-set on the current secret; ``StateConflict`` if it changed."""
        ...
