"""``GET /crm/{v}/users?type=`` over real HTTP: each of Zoho's values this server answers lists
the users it names (active, confirmed, admins, the caller), and any other value, or
``DeletedUsers``, is 400 ``INVALID_DATA`` naming ``type`` in the contract's envelope."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bulkwrite.domain.user_types import USER_TYPES
from tests.integration.helpers import assert_at, client, user_with_profile
from tests.server import LiveServer, running

URL = "/crm/v8/users"


@dataclass(frozen=True)
class Org:
    """The demo org's users: its admin, a member and a disabled member (ids), and the member's
    token."""

    server: LiveServer
    admin: str
    member: str
    disabled: str
    member_token: str


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    with running(tmp_path_factory.mktemp("users") / "data") as server:
        assert server.demo is not None
        member, _ = user_with_profile(server, can_import=True, rights={})
        token = server.make_token(["ZohoCRM.users.READ"], user_id=member.id)
        disabled, _ = user_with_profile(server, can_import=True, rights={})
        # no command disables a user: the status is written as another process would
        with sqlite3.connect(server.data_dir / "bulkwrite.sqlite3") as db:
            db.execute("UPDATE users SET status = 'disabled' WHERE id = ?", (int(disabled.id),))
        yield Org(server, server.demo.admin.id, member.id, disabled.id, token)


def listed(org: Org, params: dict[str, str], token: str | None = None) -> list[str]:
    with client(org.server, token) as http:
        response = http.get(URL, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["info"]["count"] == len(body["users"])
    return [user["id"] for user in body["users"]]


def test_every_value_answered_lists_the_users_it_names(org: Org) -> None:
    everyone = [org.admin, org.member, org.disabled]
    expected = {
        "AllUsers": everyone,
        "ActiveUsers": [org.admin, org.member],
        "DeactiveUsers": [org.disabled],
        "ConfirmedUsers": everyone,
        "NotConfirmedUsers": [],
        "ActiveConfirmedUsers": [org.admin, org.member],
        "AdminUsers": [org.admin],
        "ActiveConfirmedAdmins": [org.admin],
    }
    assert set(expected) == set(USER_TYPES), "every value the server answers is checked here"
    for kind, ids in expected.items():
        assert listed(org, {"type": kind}) == ids, kind
    assert listed(org, {}) == everyone, "no type: AllUsers"


def test_current_user_is_the_caller(org: Org) -> None:
    assert listed(org, {"type": "CurrentUser"}) == [org.admin]
    assert listed(org, {"type": "CurrentUser"}, org.member_token) == [org.member]


def test_deleted_users_is_refused_as_not_supported(org: Org) -> None:
    with client(org.server) as http:
        response = http.get(URL, params={"type": "DeletedUsers"})
    body = assert_at(response, "INVALID_DATA", "type", "type")
    assert body["message"] == "type DeletedUsers is not supported by this server."


@pytest.mark.parametrize("value", ["Frobnicate", "allusers", "", "AllUsers "])
def test_a_value_zoho_does_not_know_is_refused_naming_type(org: Org, value: str) -> None:
    with client(org.server) as http:
        response = http.get(URL, params={"type": value})
    body = assert_at(response, "INVALID_DATA", "type", "type")
    assert body["message"].startswith("type must be one of AllUsers, ActiveUsers, ")
    assert body["message"].endswith(", DeletedUsers, CurrentUser.")
