"""The dashboard's sessions over each store: a sign-in finds its caller as the API would, and
stops doing so when the session is signed out, expires, or its token is revoked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bulkwrite.clock import now
from bulkwrite.errors import TokenInvalid
from bulkwrite.services.tokens import hash_token, revoke_token
from bulkwrite.ui.sessions import find_session, sign_in, sign_out, try_sign_in
from tests.contract.conftest import waiting_harness
from tests.contract.harness import Harness


@pytest.fixture
def idle(tmp_path: Path, store_kind: str, database_url: str) -> Iterator[Harness]:
    with waiting_harness(tmp_path, store_kind, database_url) as made:
        yield made


def test_a_session_finds_the_tokens_caller_until_signed_out(idle: Harness) -> None:
    session = sign_in(idle.services, idle.org.token)
    found = find_session(idle.services, session.session_id)
    assert found is not None and found.principal == idle.principal
    assert found.csrf == session.csrf and found.csrf_matches(session.csrf)
    assert not found.csrf_matches("forged") and not found.csrf_matches(None)
    with idle.services.store.transaction(write=False) as tx:  # only hashes are kept
        assert tx.get_ui_session(session.session_id, now()) is None
    sign_out(idle.services, session.session_id)
    assert find_session(idle.services, session.session_id) is None


def test_a_revoked_token_ends_its_sessions(idle: Harness) -> None:
    session = sign_in(idle.services, idle.org.token)
    assert revoke_token(idle.services, idle.org.token)
    assert find_session(idle.services, session.session_id) is None
    with pytest.raises(TokenInvalid):
        sign_in(idle.services, idle.org.token)


def test_a_bad_token_or_session_id_signs_no_one_in(idle: Harness) -> None:
    assert try_sign_in(idle.services, "1000.unknown.token") is None
    assert try_sign_in(idle.services, "   ") is None
    assert find_session(idle.services, "no-such-session") is None
    assert find_session(idle.services, None) is None


def test_an_expired_session_is_not_found_and_is_swept(idle: Harness) -> None:
    at = now()
    with idle.services.store.transaction() as tx:
        tx.insert_ui_session("old", hash_token(idle.org.token), "csrf", at - timedelta(seconds=1))
        tx.insert_ui_session("new", hash_token(idle.org.token), "csrf", at + timedelta(hours=1))
        assert tx.get_ui_session("old", at) is None
        assert tx.get_ui_session("new", at) is not None
        assert tx.delete_expired_ui_sessions(at) == 1
        assert not tx.delete_ui_session("old") and tx.delete_ui_session("new")
