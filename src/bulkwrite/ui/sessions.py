"""Dashboard sessions: signing in with an access token, finding the caller of a session id,
signing out. The session id is random and known only to the browser (its hash is stored);
the caller is found each time through the token exactly as the API finds it, so a revoked or
expired token ends its sessions at once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bulkwrite.clock import now
from bulkwrite.domain.identity import Principal
from bulkwrite.errors import BulkWriteError, TokenInvalid
from bulkwrite.services.collaborators import Services
from bulkwrite.services.tokens import PREFIX, authenticate, hash_token

#: How long a session lasts after its sign-in.
SESSION_TTL = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in caller: who (as the API sees them), the session id, its CSRF token."""

    principal: Principal
    session_id: str
    csrf: str

    def csrf_matches(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def sign_in(services: Services, token: str) -> Session:
    """A new session for the holder of ``token`` (checked as the API checks it)."""
    token = token.strip()
    principal = authenticate(services, PREFIX + token)  # TokenInvalid for a bad one
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    at = now()
    with services.store.transaction() as tx:
        tx.delete_expired_ui_sessions(at)
        tx.insert_ui_session(_hash(session_id), hash_token(token), csrf, at + SESSION_TTL)
    return Session(principal, session_id, csrf)


def find_session(services: Services, session_id: str | None) -> Session | None:
    """The live session ``session_id`` names, None if it has ended or never was."""
    if not session_id:
        return None
    at = now()
    with services.store.transaction(write=False) as tx:
        found = tx.get_ui_session(_hash(session_id), at)
        principal = None if found is None else tx.principal_for(found.token_hash, at)
    if found is None or principal is None:
        return None
    return Session(principal, session_id, found.csrf)


def sign_out(services: Services, session_id: str) -> None:
    with services.store.transaction() as tx:
        tx.delete_ui_session(_hash(session_id))


def try_sign_in(services: Services, token: str) -> Session | None:
    """``sign_in``, None for a token that signs no one in."""
    if not token.strip():
        return None
    try:
        return sign_in(services, token)
    except TokenInvalid:
        return None
    except BulkWriteError as exc:
        if exc.http_status == 401:
            return None
        raise
