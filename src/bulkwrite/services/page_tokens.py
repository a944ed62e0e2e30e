"""Records page tokens (contract section 10): where a page ended, signed.

A token is ``<payload>.<signature>``, both base64url: the payload is JSON naming the org, the
module, a digest of the query it pages (fields, per_page, sort_by, sort_order), the number of
the page it opens, the position (sort key and id) the page before ended at, and when it expires;
the signature is an HMAC-SHA256 of the payload with the org's page key, kept in the store (made
on first use). A token of another org, module or query, altered, expired or not a token at all is
``INVALID_DATA`` at ``page_token``. ``seal`` and ``unseal`` are the signing itself, which the job
list's tokens (``services/job_list.py``) share.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bulkwrite.errors import BulkWriteError, DataInvalid
from bulkwrite.services.collaborators import Services
from bulkwrite.store.keyset import Key, Position

#: How long a token opens its page (Zoho's: a day).
LIFETIME = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Binding:
    """What a token is valid for: the org, the module and the query it pages."""

    org_id: str
    module: str
    fields: tuple[str, ...]
    per_page: int
    sort_by: str
    descending: bool

    def digest(self) -> str:
        text = json.dumps([list(self.fields), self.per_page, self.sort_by, self.descending])
        return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class PageStart:
    """What a valid token says: the page it opens, after which record."""

    page: int
    after: Position


def page_key(services: Services, org_id: str) -> bytes:
    """The org's page key (made now, in a write transaction, if it has none)."""
    with services.store.transaction(write=False) as tx:
        found = tx.get_page_key(org_id)
    if found is None:
        with services.store.transaction() as tx:
            tx.insert_page_key(org_id, secrets.token_urlsafe(32), datetime.now(UTC))
            found = tx.get_page_key(org_id)
    assert found is not None
    return found.encode()


def issue(key: bytes, binding: Binding, page: int, after: Position, at: datetime) -> str:
    """The token of page ``page``, which starts after ``after``; it expires ``LIFETIME`` after
    ``at``."""
    body = {
        "o": binding.org_id,
        "m": binding.module,
        "q": binding.digest(),
        "p": page,
        "k": after.key,
        "i": after.id,
        "e": int((at + LIFETIME).timestamp()),
    }
    return seal(key, body)


def seal(key: bytes, body: dict[str, object]) -> str:
    """``body`` as a token: its JSON, base64url, a dot, and its HMAC-SHA256 with ``key``."""
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_b64(_sign(key, payload))}"


def unseal(key: bytes, token: str) -> dict[str, Any] | None:
    """The body of a token ``seal`` made with ``key``; None for anything else (altered, signed
    with another key, not a token at all)."""
    payload, dot, signature = token.partition(".")
    try:
        if not dot or not hmac.compare_digest(_unb64(signature), _sign(key, payload)):
            return None
        body = json.loads(_unb64(payload))
    except (BulkWriteError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def expiry(at: datetime) -> datetime:
    """When a token issued at ``at`` expires."""
    return (at + LIFETIME).replace(microsecond=0)


def read(key: bytes, binding: Binding, token: str, at: datetime) -> PageStart:
    """The page a token opens; ``INVALID_DATA`` at ``page_token`` unless it is one this server
    issued for this org, module and query, unaltered and not expired."""
    body = unseal(key, token)
    if body is None or (body.get("o"), body.get("m"), body.get("q")) != (
        binding.org_id,
        binding.module,
        binding.digest(),
    ):
        raise _bad("page_token is not one this server handed out for this query.")
    if int(body["e"]) <= at.timestamp():
        raise _bad("page_token has expired.")
    return PageStart(int(body["p"]), Position(_key(body["k"]), int(body["i"])))


def _key(value: object) -> Key:
    if value is None or isinstance(value, str | int | float):
        return value
    raise _bad("page_token is not one this server handed out for this query.")


def _sign(key: bytes, payload: str) -> bytes:
    return hmac.new(key, payload.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _bad("page_token is not one this server handed out for this query.") from None


def _bad(message: str) -> BulkWriteError:
    return DataInvalid(message, {"api_name": "page_token", "param_name": "page_token"})
