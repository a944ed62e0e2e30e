"""Callbacks' outbox and the orgs' signing secrets: one implementation for both stores, over
the named queries of ``sql/common.sql``. Claiming a delivery and recording its attempt are
compare-and-set (a lease on ``next_attempt_time``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bulkwrite.domain.callback import AttemptRecord, CallbackSecret, Delivery, DeliveryStatus
from bulkwrite.store.sql_tx import C, SqlTx


class CallbackQueries(SqlTx[C]):
    def insert_delivery(self, delivery: Delivery) -> None:
        """A new delivery, pending, due at its ``next_attempt_time``."""
        self.run(
            "insert_delivery",
            id=delivery.id,
            job_id=int(delivery.job_id),
            org_id=int(delivery.org_id),
            url=delivery.url,
            event=delivery.event,
            next_attempt_time=self.dialect.bind_time(delivery.next_attempt_time),
            created_time=self.dialect.bind_time(delivery.created_time),
        )

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        row = self.run("get_delivery", id=delivery_id).fetchone()
        return self._delivery(row) if row else None

    def delivery_for_job(self, job_id: str) -> Delivery | None:
        row = self.run("delivery_for_job", job_id=int(job_id)).fetchone()
        return self._delivery(row) if row else None

    def due_deliveries(self, at: datetime, limit: int) -> list[str]:
        """Ids of pending deliveries due at ``at``, the longest due first."""
        rows = self.run("due_deliveries", at=self.dialect.bind_time(at), limit=limit)
        return [str(row[0]) for row in rows]

    def claim_delivery(self, delivery_id: str, at: datetime, lease_until: datetime) -> bool:
        """Compare-and-set: take a due delivery until ``lease_until``; False if it is not due
        (another worker took it, or it is no longer pending)."""
        claimed = self.run(
            "claim_delivery",
            id=delivery_id,
            at=self.dialect.bind_time(at),
            lease_until=self.dialect.bind_time(lease_until),
        )
        return claimed.rowcount == 1

    def record_attempt(
        self, delivery_id: str, lease_until: datetime, attempt: AttemptRecord
    ) -> None:
        """Compare-and-set on the lease: ``StateConflict`` if another worker has taken the
        delivery since (the lease ran out) or it is no longer pending."""
        self.compare_and_set(
            "record_attempt",
            f"callback delivery {delivery_id}: the lease was lost",
            id=delivery_id,
            lease_until=self.dialect.bind_time(lease_until),
            status=attempt.status.value,
            at=self.dialect.bind_time(attempt.at),
            status_code=attempt.status_code,
            error=attempt.error,
            next_attempt_time=self.dialect.bind_time(attempt.next_attempt_time),
        )

    def get_callback_secret(self, org_id: str) -> CallbackSecret | None:
        row = self.run("get_callback_secret", org_id=int(org_id)).fetchone()
        if row is None:
            return None
        expires = self.dialect.read_optional_time(row[3])
        return CallbackSecret(str(row[0]), row[1], row[2], expires, self.dialect.read_time(row[4]))

    def insert_callback_secret(self, org_id: str, secret: str, at: datetime) -> None:
        """The org's first secret; nothing if it has one already."""
        self.run(
            "insert_callback_secret",
            org_id=int(org_id),
            secret=secret,
            rotated_time=self.dialect.bind_time(at),
        )

    def rotate_callback_secret(
        self, old: CallbackSecret, secret: str, at: datetime, old_until: datetime
    ) -> None:
        """Compare-and-set on the current secret: ``StateConflict`` if it changed meanwhile."""
        self.compare_and_set(
            "rotate_callback_secret",
            f"org {old.org_id}: its callback secret was rotated meanwhile",
            org_id=int(old.org_id),
            current=old.secret,
            secret=secret,
            rotated_time=self.dialect.bind_time(at),
            previous_expires_time=self.dialect.bind_time(old_until),
        )

    def _delivery(self, row: tuple[Any, ...]) -> Delivery:
        read = self.dialect.read_optional_time
        return Delivery(
            id=str(row[0]),
            job_id=str(row[1]),
            org_id=str(row[2]),
            url=row[3],
            event=row[4],
            status=DeliveryStatus(row[5]),
            attempts=int(row[6]),
            next_attempt_time=self.dialect.read_time(row[7]),
            last_attempt_time=read(row[8]),
            last_status_code=None if row[9] is None else int(row[9]),
            last_error=row[10],
            created_time=self.dialect.read_time(row[11]),
        )
