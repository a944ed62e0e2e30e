"""Idempotency keys (beyond-zoho section 6): what a key keeps of the request it first came with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A request sent with an ``Idempotency-Key``: the org's key, the call it was sent to
    (``upload`` or ``create``: one key may serve one of each) and the hash of what was sent."""

    org_id: str
    operation: str
    key: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as a key keeps it: the status and the JSON body."""

    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """The first answer given under a key, and the hash of the request it answered."""

    request_hash: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class KeyClaim:
    """A key's row as written with what its request made: the answer, when it was given, and
    before when a key's row counts as expired (and may be taken again)."""

    request: KeyedRequest
    answer: Answer
    at: datetime
    expired_before: datetime
