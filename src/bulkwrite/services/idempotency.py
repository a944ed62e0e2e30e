"""Idempotency keys on upload and create (beyond-zoho section 6).

A request sent with an ``Idempotency-Key`` header answers as the first request of its org with
that key did (status and body) for ``KEY_TTL``, and makes nothing new. The key's row is written
in the very transaction that makes the file or the job it answers with (``Hold``): a request cut
off before that commit leaves no key behind, so the key is free again; one that committed has
its answer kept with it. Concurrent requests with one key meet at that row: PostgreSQL makes
the later writers wait for the first one's transaction (SQLite's writers take turns), then they
find its row taken, roll back what they made and answer as it did.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from bulkwrite.clock import now
from bulkwrite.domain.idempotency import Answer, KeyClaim, KeyedRequest
from bulkwrite.domain.identity import Principal
from bulkwrite.errors import DataInvalid
from bulkwrite.services.collaborators import Services
from bulkwrite.store.base import Tx

#: How long a key keeps its first answer.
KEY_TTL: Final = timedelta(hours=24)
#: The longest key accepted.
MAX_KEY_LENGTH: Final = 255
HEADER: Final = "Idempotency-Key"
#: How many times a request whose key was taken looks for the answer kept under it (the
#: taker's row may have expired and been swept meanwhile: then the request is run again).
ATTEMPTS: Final = 3

#: Called in the transaction that makes what ``answer`` names: claims the key with it, or
#: raises ``KeyTaken`` (rolling that transaction back) when another request holds the key.
Hold = Callable[[Tx, Answer], None]
#: Makes what a request asks for and answers it, calling the hold (when given) in its
#: transaction.
Make = Callable[[Hold | None], Answer]


class KeyTaken(Exception):
    """Another request claimed the key first (raised inside the maker's transaction)."""


def parse_key(header: str | None) -> str | None:
    """The ``Idempotency-Key`` header's key (None without one): 1 to 255 printable ASCII
    characters, else 400 ``INVALID_DATA`` naming the header."""
    if header is None:
        return None
    if not 1 <= len(header) <= MAX_KEY_LENGTH:
        raise DataInvalid.at(
            HEADER, HEADER, f"The Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long."
        )
    if not all(" " <= char <= "~" for char in header):
        raise DataInvalid.at(
            HEADER, HEADER, "The Idempotency-Key must be printable ASCII characters only."
        )
    return header


def request_hash(operation: str, *parts: bytes) -> str:
    """The hash of what a request sent (its parts, each framed by its length)."""
    digest = hashlib.sha256(operation.encode())
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def json_hash(operation: str, body: Any) -> str:
    """The hash of a JSON body as parsed (so spacing and key order do not make another body)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return request_hash(operation, canonical.encode())


def keyed(
    principal: Principal, operation: str, key: str | None, digest: str
) -> KeyedRequest | None:
    return None if key is None else KeyedRequest(principal.org.id, operation, key, digest)


def answer_once(services: Services, request: KeyedRequest | None, make: Make) -> Answer:
    """``make``'s answer; under a key, the answer kept for it if there is one (400
    ``INVALID_DATA`` if it came with another request), else ``make``'s, kept with what it made."""
    if request is None:
        return make(None)
    for _ in range(ATTEMPTS):
        kept = _kept(services, request)
        if kept is not None:
            return kept
        try:
            return make(_hold(request))
        except KeyTaken:
            continue
    raise KeyTaken(f"the Idempotency-Key {request.key!r} is claimed and released too fast")


def _kept(services: Services, request: KeyedRequest) -> Answer | None:
    with services.store.transaction(write=False) as tx:
        kept = tx.get_idempotency_key(request, now() - KEY_TTL)
    if kept is None:
        return None
    if kept.request_hash != request.request_hash:
        raise DataInvalid.at(
            HEADER, HEADER, "The Idempotency-Key was used with another request body."
        )
    return kept.answer


def _hold(request: KeyedRequest) -> Hold:
    def hold(tx: Tx, answer: Answer) -> None:
        at = now()
        claim = KeyClaim(request, answer, at, at - KEY_TTL)
        if not tx.claim_idempotency_key(claim):
            raise KeyTaken(request.key)

    return hold


def sweep_expired_keys(services: Services, at: datetime | None = None) -> int:
    """Forget the keys older than ``KEY_TTL`` at ``at`` (default now); how many went."""
    with services.store.transaction() as tx:
        return tx.delete_expired_idempotency_keys((at or now()) - KEY_TTL)
