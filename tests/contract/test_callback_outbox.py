"""The callbacks' outbox over every store (beyond-zoho.md §7): a delivery recorded with the
job's final state, sent signed by the worker's loop, retried, given up, visible in details;
claims are compare-and-set; the org's secret rotates with an overlap."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bulkwrite.domain.callback import AttemptRecord, Delivery, DeliveryStatus
from bulkwrite.errors import StateConflict
from bulkwrite.services.callbacks.secrets import rotate_secret, show_secret
from bulkwrite.store.base import Store
from tests.contract.conftest import make_harness
from tests.contract.harness import Harness
from tests.contract.test_store_contract import _job
from tests.receiver import Call, Receiver, receiving

CSV = "Last_Name,Company\nA,Co\nB,Co\n"


@pytest.fixture
def harness(tmp_path: Path, store_kind: str, database_url: str) -> Iterator[Harness]:
    made = make_harness(tmp_path, store_kind, database_url, callback_poll_interval=0.05)
    try:
        yield made
    finally:
        made.worker.stop()
        made.services.store.close()


def start(harness: Harness, url: str | None) -> str:
    """Create a Leads insert (with a callback to ``url``) and run it; its id."""
    body: dict[str, Any] = {
        "operation": "insert",
        "resource": [{"type": "data", "module": "Leads", "file_id": harness.upload(CSV)}],
    }
    if url is not None:
        body["callback"] = {"url": url, "method": "post"}
    details = harness.run(body)
    return str(details["id"])


def delivery(harness: Harness, job_id: str) -> dict[str, Any]:
    found: dict[str, Any] = harness.run_details(job_id)["callback"]["delivery"]
    return found


def wait_status(harness: Harness, job_id: str, status: str, timeout: float = 20) -> dict[str, Any]:
    """The delivery once it is in ``status`` (polled, for at most ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while True:
        found = delivery(harness, job_id)
        if found["status"] == status or time.monotonic() > deadline:
            assert found["status"] == status, found
            return found
        threading.Event().wait(0.05)


def verifies(call: Call, secret: str) -> bool:
    """Whether one of the call's ``v1`` signatures is the secret's."""
    parts = [item.split("=", 1) for item in call.headers["X-Bulkwrite-Signature"].split(",")]
    timestamp = next(value for key, value in parts if key == "t")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + call.raw, hashlib.sha256)
    return any(
        hmac.compare_digest(expected.hexdigest(), value) for key, value in parts if key == "v1"
    )


def test_a_finished_job_is_called_back_once_signed(harness: Harness) -> None:
    with receiving() as receiver:
        job_id = start(harness, receiver.url)  # join() drains the due delivery
        (call,) = receiver.calls
    assert call.body["id"] == job_id and call.body["status"] == "COMPLETED"
    assert call.body["callback"] == {"url": receiver.url, "method": "post"}
    assert call.headers["X-Bulkwrite-Event"] == "job.completed"
    assert verifies(call, show_secret(harness.services, harness.org.org.id).secret)
    seen = delivery(harness, job_id)
    assert seen["id"] == call.delivery_id and str(uuid.UUID(seen["id"])) == seen["id"]
    assert seen["status"] == "delivered" and seen["attempts"] == 1
    assert seen["last_status_code"] == 200 and seen["last_error"] is None
    assert seen["last_attempt_time"] and seen["next_attempt_time"] is None


def test_a_failed_job_is_called_back_as_job_failed(harness: Harness) -> None:
    text = b"Last_Name,Company\nA,Co\nBad\xff,Co\n"  # not ascii: the job fails on row 2
    with receiving() as receiver:
        details = harness.run(
            {
                "operation": "insert",
                "character_encoding": "ascii",
                "callback": {"url": receiver.url},
                "resource": [{"type": "data", "module": "Leads", "file_id": harness.upload(text)}],
            }
        )
        (call,) = receiver.calls
    assert details["status"] == "FAILED"
    assert call.headers["X-Bulkwrite-Event"] == "job.failed"
    assert call.body["status"] == "FAILED" and call.body["resource"][0]["error"]["code"]
    assert delivery(harness, details["id"])["status"] == "delivered"


def test_a_job_without_a_callback_has_no_delivery(harness: Harness) -> None:
    job_id = start(harness, None)
    assert "callback" not in harness.run_details(job_id)
    with harness.services.store.transaction(write=False) as tx:
        assert tx.delivery_for_job(job_id) is None


def test_503_then_200_is_delivered_with_one_delivery_id(harness: Harness) -> None:
    with receiving([503, 503]) as receiver:
        job_id = start(harness, receiver.url)
        calls = receiver.wait_for(3, 20)
        seen = wait_status(harness, job_id, "delivered")
    assert [c.answered for c in calls] == [503, 503, 200]
    assert {c.delivery_id for c in calls} == {seen["id"]}
    assert seen["attempts"] == 3 and seen["last_status_code"] == 200


def test_a_4xx_stops_the_retries(harness: Harness) -> None:
    with receiving(default=400) as receiver:
        job_id = start(harness, receiver.url)
        seen = wait_status(harness, job_id, "failed")
        harness.worker.deliveries.drain()
        assert receiver.attempts() == 1
    assert seen["attempts"] == 1 and seen["last_status_code"] == 400
    assert seen["last_error"] == "the receiver answered 400"


@pytest.mark.parametrize("code", [408, 429])
def test_408_and_429_are_tried_again(harness: Harness, code: int) -> None:
    with receiving([code]) as receiver:
        job_id = start(harness, receiver.url)
        receiver.wait_for(2, 20)
        assert wait_status(harness, job_id, "delivered")["attempts"] == 2


def test_a_delivery_is_given_up_after_the_retry_window(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    made = make_harness(
        tmp_path,
        store_kind,
        database_url,
        callback_poll_interval=0.05,
        callback_retry_hours=1 / 3600,  # one second
    )
    try:
        job_id = start(made, Receiver().url)  # nobody listens there
        seen = wait_status(made, job_id, "failed")
    finally:
        made.worker.stop()
        made.services.store.close()
    assert seen["attempts"] >= 2 and seen["last_status_code"] is None
    assert "given up after" in seen["last_error"]


def test_an_internal_address_is_refused_at_create(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    made = make_harness(tmp_path, store_kind, database_url, callback_allow="")
    try:
        with pytest.raises(Exception) as raised:
            start(made, "http://127.0.0.1:9/hook")
    finally:
        made.worker.stop()
        made.services.store.close()
    error: Any = raised.value
    assert error.code == "INVALID_DATA"
    assert error.details == {"api_name": "url", "json_path": "$.callback.url"}


def _delivery(store: Store) -> Delivery:
    job = _job(store)
    with store.transaction() as tx:
        at = datetime(2026, 12, 4, 12, 0, 0, 250000, tzinfo=UTC)
        made = Delivery(
            str(uuid.uuid4()), job.id, job.org_id, "https://example.com/h", "job.completed",
            DeliveryStatus.PENDING, 0, at, None, None, None, at,
        )  # fmt: skip
        tx.insert_delivery(made)
    return made


def test_a_due_delivery_is_claimed_by_one_worker_until_its_lease_ends(store: Store) -> None:
    made = _delivery(store)
    at = made.next_attempt_time + timedelta(seconds=1)
    lease = at + timedelta(seconds=30)
    with store.transaction() as tx:
        assert tx.due_deliveries(at, 10) == [made.id]
        assert tx.due_deliveries(made.next_attempt_time - timedelta(seconds=1), 10) == []
        assert tx.claim_delivery(made.id, at, lease)
        assert not tx.claim_delivery(made.id, at, lease)  # taken
        assert tx.due_deliveries(at, 10) == []
    later = lease + timedelta(microseconds=1)  # the claimer died: due again
    with store.transaction() as tx:
        assert tx.due_deliveries(later, 10) == [made.id]
        assert tx.claim_delivery(made.id, later, later + timedelta(seconds=30))
    step = AttemptRecord(DeliveryStatus.DELIVERED, later, 200, None, later)
    with pytest.raises(StateConflict), store.transaction() as tx:
        tx.record_attempt(made.id, lease, step)  # the first claimer's lease is gone
    with store.transaction() as tx:
        tx.record_attempt(made.id, later + timedelta(seconds=30), step)
        got = tx.get_delivery(made.id)
        assert tx.due_deliveries(later + timedelta(days=1), 10) == []
    assert got is not None and got.status is DeliveryStatus.DELIVERED
    assert got.attempts == 1 and got.last_status_code == 200 and got.last_attempt_time == later


def test_two_workers_never_claim_at_once(store: Store) -> None:
    made = _delivery(store)
    at = made.next_attempt_time + timedelta(seconds=1)
    wins: list[bool] = []

    def claim() -> None:
        with store.transaction() as tx:
            wins.append(tx.claim_delivery(made.id, at, at + timedelta(seconds=30)))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 5 + [True]


def test_rotation_keeps_the_old_secret_for_a_day(harness: Harness) -> None:
    org_id = harness.org.org.id
    first = show_secret(harness.services, org_id)
    assert show_secret(harness.services, org_id).secret == first.secret  # made once
    assert first.valid(datetime.now(UTC)) == [first.secret]
    rotated = rotate_secret(harness.services, org_id)
    assert rotated.secret != first.secret and rotated.previous_secret == first.secret
    assert rotated.previous_expires_time is not None
    day = rotated.previous_expires_time - rotated.rotated_time
    assert day == timedelta(hours=24)
    assert rotated.valid(rotated.rotated_time) == [rotated.secret, first.secret]
    assert rotated.valid(rotated.previous_expires_time) == [rotated.secret]
    with receiving() as receiver:
        start(harness, receiver.url)
        (call,) = receiver.calls
    v1 = [p for p in call.headers["X-Bulkwrite-Signature"].split(",") if p.startswith("v1=")]
    assert len(v1) == 2
    assert verifies(call, rotated.secret) and verifies(call, first.secret)
    assert not verifies(call, "bwcs_not-the-secret")
