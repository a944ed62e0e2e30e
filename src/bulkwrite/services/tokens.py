"""Access tokens: made, hashed, checked and revoked. Whole tokens are never stored or logged."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bulkwrite.clock import now
from bulkwrite.domain.identity import Principal
from bulkwrite.domain.scopes import is_known_scope
from bulkwrite.errors import AuthenticationFailure, DataInvalid, TokenInvalid
from bulkwrite.services.collaborators import Services

PREFIX = "Zoho-oauthtoken "


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    services: Services, user_id: str, scopes: list[str], ttl: timedelta | None = None
) -> str:
    unknown = [s for s in scopes if not is_known_scope(s)]
    if unknown or not scopes:
        raise DataInvalid(
            f"Unknown scopes: {', '.join(unknown)}" if unknown else "At least one scope is needed."
        )
    token = "1000." + secrets.token_hex(16) + "." + secrets.token_hex(16)
    expires = now() + ttl if ttl else None
    with services.store.transaction() as tx:
        tx.insert_token(hash_token(token), user_id, frozenset(scopes), expires)
    return token


def revoke_token(services: Services, token: str) -> bool:
    with services.store.transaction() as tx:
        return tx.revoke_token(hash_token(token))


def authenticate(services: Services, header: str | None, at: datetime | None = None) -> Principal:
    """The caller behind an ``Authorization: Zoho-oauthtoken …`` header."""
    if not header or not header.startswith(PREFIX) or not header[len(PREFIX) :].strip():
        raise AuthenticationFailure()
    token = header[len(PREFIX) :].strip()
    with services.store.transaction(write=False) as tx:
        principal = tx.principal_for(hash_token(token), at or now())
    if principal is None:
        raise TokenInvalid()
    return principal
