"""The keys an org keeps in the store: idempotency keys with their first answers
(``IdempotencyTx``) and the key that signs its records page tokens (``PageKeyTx``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bulkwrite.domain.idempotency import KeptAnswer, KeyClaim, KeyedRequest


class IdempotencyTx(Protocol):
    """Idempotency keys: each org's first answer to an upload or a create sent with a key."""

    def claim_idempotency_key(self, claim: KeyClaim) -> bool:
        """Keep the answer under the key; False (nothing written) if a live row holds it."""
        ...

    def get_idempotency_key(
        self, request: KeyedRequest, expired_before: datetime
    ) -> KeptAnswer | None: ...

    def delete_expired_idempotency_keys(self, expired_before: datetime) -> int: ...


class PageKeyTx(Protocol):
    """Each org's key that signs its records page tokens."""

    def get_page_key(self, org_id: str) -> str | None: ...

    def insert_page_key(self, org_id: str, secret: str, at: datetime) -> None:
        """The org's key; nothing if it has one already."""
        ...
