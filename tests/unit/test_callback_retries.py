"""The callbacks' retry policy (services/callbacks/outbox.py): exponential backoff with
jitter up to a cap, each answer's next step, giving up after the retry window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bulkwrite.domain.callback import CallbackSecret, Delivery, DeliveryStatus
from bulkwrite.domain.job import JobStatus
from bulkwrite.services.callbacks.outbox import backoff, event_of, next_step
from bulkwrite.services.callbacks.sender import Attempt, Verdict
from bulkwrite.settings import Settings

SETTINGS = Settings(callback_retry_base_seconds=5, callback_retry_cap_seconds=3600)
CREATED = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def delivery(attempts: int = 0) -> Delivery:
    return Delivery(
        "d", "1", "2", "https://example.com/", "job.completed", DeliveryStatus.PENDING,
        attempts, CREATED, None, None, None, CREATED,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("attempts", "longest"),
    [(1, 5), (2, 10), (3, 20), (8, 640), (10, 2560), (11, 3600), (500, 3600)],
)
def test_pauses_double_up_to_the_cap_with_jitter(attempts: int, longest: float) -> None:
    pauses = [backoff(SETTINGS, attempts) for _ in range(200)]
    assert all(longest / 2 <= pause <= longest for pause in pauses)
    assert len(set(pauses)) > 100  # jittered, not in step


@pytest.mark.parametrize(
    ("verdict", "status"),
    [
        (Verdict.DELIVERED, DeliveryStatus.DELIVERED),
        (Verdict.FAILED, DeliveryStatus.FAILED),
        (Verdict.RETRY, DeliveryStatus.PENDING),
    ],
)
def test_each_verdict_has_its_next_step(verdict: Verdict, status: DeliveryStatus) -> None:
    at = CREATED + timedelta(minutes=1)
    step = next_step(SETTINGS, delivery(), Attempt(verdict, 503, "why"), at)
    assert step.status is status and step.at == at and step.status_code == 503
    if status is DeliveryStatus.PENDING:
        assert at + timedelta(seconds=2.5) <= step.next_attempt_time <= at + timedelta(seconds=5)


def test_a_retry_past_the_window_gives_up() -> None:
    at = CREATED + timedelta(hours=23, minutes=59, seconds=58)
    step = next_step(SETTINGS, delivery(attempts=30), Attempt(Verdict.RETRY, None, "down"), at)
    assert step.status is DeliveryStatus.FAILED
    assert step.error == "down; given up after 31 attempts"
    inside = next_step(
        SETTINGS, delivery(attempts=30), Attempt(Verdict.RETRY), CREATED + timedelta(hours=1)
    )
    assert inside.status is DeliveryStatus.PENDING


def test_events_are_named_after_the_final_state() -> None:
    assert event_of(JobStatus.COMPLETED) == "job.completed"
    assert event_of(JobStatus.FAILED) == "job.failed"


def test_the_previous_secret_signs_until_it_expires() -> None:
    secret = CallbackSecret("1", "new", "old", CREATED + timedelta(hours=24), CREATED)
    assert secret.valid(CREATED) == ["new", "old"]
    assert secret.valid(CREATED + timedelta(hours=24)) == ["new"]
    assert CallbackSecret("1", "only", None, None, CREATED).valid(CREATED) == ["only"]
