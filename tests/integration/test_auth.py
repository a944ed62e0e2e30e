"""Contract section 2: authentication, scopes, profile rights, and isolation between orgs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bulkwrite.domain.identity import Right
from bulkwrite.services.tokens import create_token, revoke_token
from tests.integration.helpers import (
    LEADS_CSV,
    NO_BULK,
    NO_ORG,
    NO_UPLOAD,
    NO_USERS,
    RES,
    UPLOAD,
    assert_error,
    auth,
    client,
    create,
    create_ok,
    details,
    download_path,
    job_body,
    raw_get,
    unique,
    upload,
    upload_ok,
    user_with_profile,
    wait_done,
)
from tests.server import LiveServer

ALL = frozenset(Right)
UNAUTHORIZED = "Unauthorized"


@dataclass(frozen=True)
class DemoJob:
    """A finished Leads job of the demo org, with its result."""

    id: str
    file_id: str
    download: str


@pytest.fixture(scope="module")
def demo_job(shared_server: LiveServer) -> DemoJob:
    file_id = upload_ok(shared_server, LEADS_CSV, "leads.csv")
    job_id = create_ok(shared_server, job_body(file_id))
    document = wait_done(shared_server, job_id)
    assert document["status"] == "COMPLETED", document
    url = document["result"]["download_url"]
    assert url == shared_server.base_url + download_path(shared_server.zgid, job_id)
    return DemoJob(job_id, file_id, url)


Call = Callable[[httpx.Client, DemoJob], httpx.Response]

# One call per endpoint, each made with whatever Authorization header the client carries.
ENDPOINTS: dict[str, Call] = {
    "upload": lambda http, job: http.post(
        UPLOAD, files={"file": ("a.csv", LEADS_CSV)}, headers={"feature": "bulk-write"}
    ),
    "create": lambda http, job: http.post("/crm/bulk/v8/write", json=job_body(job.file_id)),
    "details": lambda http, job: http.get(f"/crm/bulk/v8/write/{job.id}"),
    "download": lambda http, job: http.get(job.download),
    "users": lambda http, job: http.get("/crm/v8/users", params={"type": "CurrentUser"}),
    "org": lambda http, job: http.get("/crm/v8/org"),
}


def _call(
    server: LiveServer, job: DemoJob, endpoint: str, headers: dict[str, str]
) -> httpx.Response:
    with httpx.Client(
        base_url=server.base_url, headers=headers, timeout=30, follow_redirects=False
    ) as http:
        return ENDPOINTS[endpoint](http, job)


# --- AUTHENTICATION_FAILURE and INVALID_TOKEN ----------------------------------------------


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize(
    "header", [None, "Bearer x", "Zoho-oauthtoken", "Basic dXNlcjpwYXNz", "x Zoho-oauthtoken abc"]
)
def test_missing_or_malformed_authorization(
    shared_server: LiveServer, demo_job: DemoJob, endpoint: str, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = _call(shared_server, demo_job, endpoint, headers)
    assert_error(response, 401, "AUTHENTICATION_FAILURE", {}, "Authentication failed")


@pytest.mark.parametrize("path", ["/crm/bulk/v8/write/111111000000000001", "/crm/v8/org"])
def test_empty_token_after_the_prefix(shared_server: LiveServer, path: str) -> None:
    # httpx refuses a header value with trailing spaces, so this one goes over a bare socket.
    response = raw_get(shared_server, path, ["Authorization: Zoho-oauthtoken    "])
    assert_error(response, 401, "AUTHENTICATION_FAILURE", {}, "Authentication failed")


def test_bearer_with_a_valid_token_is_not_accepted(
    shared_server: LiveServer, demo_job: DemoJob
) -> None:
    headers = {"Authorization": f"Bearer {shared_server.token}"}
    response = _call(shared_server, demo_job, "details", headers)
    assert_error(response, 401, "AUTHENTICATION_FAILURE", {}, "Authentication failed")


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_unknown_token(shared_server: LiveServer, demo_job: DemoJob, endpoint: str) -> None:
    response = _call(shared_server, demo_job, endpoint, auth("1000.deadbeef.cafebabe"))
    assert_error(response, 401, "INVALID_TOKEN", {}, "invalid oauth token")


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_revoked_token(shared_server: LiveServer, demo_job: DemoJob, endpoint: str) -> None:
    token = shared_server.make_token(
        [
            "ZohoCRM.bulk.ALL",
            "ZohoCRM.modules.ALL",
            "ZohoFiles.files.ALL",
            "ZohoCRM.users.ALL",
            "ZohoCRM.org.ALL",
        ]
    )
    assert _call(shared_server, demo_job, "org", auth(token)).status_code == 200
    assert revoke_token(shared_server.services, token)
    response = _call(shared_server, demo_job, endpoint, auth(token))
    assert_error(response, 401, "INVALID_TOKEN", {}, "invalid oauth token")


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_expired_token(shared_server: LiveServer, demo_job: DemoJob, endpoint: str) -> None:
    assert shared_server.demo is not None
    token = create_token(
        shared_server.services,
        shared_server.demo.admin.id,
        [
            "ZohoCRM.bulk.ALL",
            "ZohoCRM.modules.ALL",
            "ZohoFiles.files.ALL",
            "ZohoCRM.users.ALL",
            "ZohoCRM.org.ALL",
        ],
        ttl=timedelta(seconds=-1),
    )
    response = _call(shared_server, demo_job, endpoint, auth(token))
    assert_error(response, 401, "INVALID_TOKEN", {}, "invalid oauth token")


# --- OAUTH_SCOPE_MISMATCH ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "scopes"),
    [
        ("upload", NO_UPLOAD),
        ("create", NO_BULK),
        ("create", ["ZohoCRM.bulk.CREATE", "ZohoFiles.files.ALL"]),  # no module scope
        ("create", ["ZohoCRM.bulk.ALL", "ZohoCRM.modules.contacts.ALL"]),  # another module's
        ("create", ["ZohoCRM.bulk.READ", "ZohoCRM.modules.ALL"]),  # read is not create
        ("details", NO_BULK),
        ("download", NO_BULK),
        ("users", NO_USERS),
        ("org", NO_ORG),
    ],
)
def test_scope_missing(
    shared_server: LiveServer, demo_job: DemoJob, endpoint: str, scopes: list[str]
) -> None:
    token = shared_server.make_token(scopes)
    response = _call(shared_server, demo_job, endpoint, auth(token))
    assert_error(response, 401, "OAUTH_SCOPE_MISMATCH", {}, UNAUTHORIZED)


@pytest.mark.parametrize(
    ("endpoint", "scopes"),
    [
        ("upload", ["ZohoFiles.files.ALL"]),
        ("upload", ["ZohoCRM.bulk.ALL"]),
        ("create", ["ZohoCRM.bulk.CREATE", "ZohoCRM.modules.ALL"]),
        ("create", ["ZohoCRM.bulk.CREATE", "ZohoCRM.modules.leads.CREATE"]),
        ("create", ["ZohoCRM.bulk.ALL", "ZohoCRM.modules.leads.ALL"]),
        ("details", ["ZohoCRM.bulk.READ"]),
        ("details", ["ZohoCRM.bulk.CREATE"]),
        ("download", ["ZohoCRM.bulk.READ"]),
        ("users", ["ZohoCRM.users.READ"]),
        ("org", ["ZohoCRM.org.READ"]),
    ],
)
def test_narrow_scope_suffices(
    shared_server: LiveServer, demo_job: DemoJob, endpoint: str, scopes: list[str]
) -> None:
    token = shared_server.make_token(scopes)
    response = _call(shared_server, demo_job, endpoint, auth(token))
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("operation", ["update", "upsert"])
def test_module_create_scope_suffices_for_every_operation(
    shared_server: LiveServer, demo_job: DemoJob, operation: str
) -> None:
    # Section 2: create needs (bulk.CREATE or bulk.ALL) and (modules.ALL or
    # modules.{module}.ALL|CREATE), whatever the operation.
    token = shared_server.make_token(["ZohoCRM.bulk.CREATE", "ZohoCRM.modules.leads.CREATE"])
    body = job_body(demo_job.file_id, operation=operation, find_by="Email")
    assert create(shared_server, body, token).status_code == 201


# --- AUTHORIZATION_FAILED and NO_PERMISSION ------------------------------------------------


def test_profile_without_import_privilege(shared_server: LiveServer, demo_job: DemoJob) -> None:
    _, token = user_with_profile(shared_server, False, {"Leads": ALL})
    assert_error(
        create(shared_server, job_body(demo_job.file_id), token),
        400,
        "AUTHORIZATION_FAILED",
        {},
        "User does not have sufficient privilege to create.",
    )
    read = "User does not have sufficient privilege to read."
    assert_error(details(shared_server, demo_job.id, token), 400, "AUTHORIZATION_FAILED", {}, read)
    with client(shared_server, token) as http:
        response = http.get(demo_job.download)
    assert_error(response, 400, "AUTHORIZATION_FAILED", {}, read)


def test_profile_with_import_but_no_module_right(
    shared_server: LiveServer, demo_job: DemoJob
) -> None:
    _, token = user_with_profile(shared_server, True, {"Contacts": ALL})
    assert_error(
        create(shared_server, job_body(demo_job.file_id), token),
        403,
        "NO_PERMISSION",
        {},
        "Permission denied to create",
    )
    assert_error(
        details(shared_server, demo_job.id, token),
        403,
        "NO_PERMISSION",
        {},
        "Permission denied to read",
    )
    with client(shared_server, token) as http:
        response = http.get(demo_job.download)
    assert_error(response, 403, "NO_PERMISSION", {}, "Permission denied to read")


@pytest.mark.parametrize(
    ("rights", "operation", "allowed"),
    [
        ({Right.CREATE}, "insert", True),
        ({Right.CREATE}, "update", False),
        ({Right.CREATE}, "upsert", False),
        ({Right.EDIT}, "insert", False),
        ({Right.EDIT}, "update", True),
        ({Right.EDIT}, "upsert", False),
        ({Right.CREATE, Right.EDIT}, "upsert", True),
        ({Right.READ}, "insert", False),
    ],
)
def test_module_right_per_operation(
    shared_server: LiveServer, demo_job: DemoJob, rights: set[Right], operation: str, allowed: bool
) -> None:
    _, token = user_with_profile(shared_server, True, {"Leads": frozenset(rights)})
    find_by: dict[str, Any] = {} if operation == "insert" else {"find_by": "Email"}
    response = create(
        shared_server, job_body(demo_job.file_id, operation=operation, **find_by), token
    )
    if allowed:
        assert response.status_code == 201, response.text
    else:
        assert_error(response, 403, "NO_PERMISSION", {}, "Permission denied to create")


def test_jobs_visible_to_every_user_who_may_read(
    shared_server: LiveServer, demo_job: DemoJob
) -> None:
    _, reader = user_with_profile(shared_server, True, {"Leads": frozenset({Right.READ})})
    assert details(shared_server, demo_job.id, reader).json()["id"] == demo_job.id
    writer_user, writer = user_with_profile(
        shared_server, True, {"Leads": frozenset({Right.CREATE})}
    )
    response = create(shared_server, job_body(demo_job.file_id), writer)
    assert response.status_code == 201, response.text
    assert response.json()["details"]["created_by"]["id"] == writer_user.id
    own = response.json()["details"]["id"]
    assert_error(
        details(shared_server, own, writer), 403, "NO_PERMISSION", {}, "Permission denied to read"
    )


# --- RESOURCE_NOT_FOUND and isolation between orgs -----------------------------------------


NOT_FOUND = "The requested resource doesn't exist."


@pytest.mark.parametrize("job_id", ["111111000009999999", "abc", "0", "9" * 30, "-1"])
def test_unknown_job_id(shared_server: LiveServer, job_id: str) -> None:
    assert_error(details(shared_server, job_id), 404, "RESOURCE_NOT_FOUND", {}, NOT_FOUND)


def test_download_of_unknown_job(shared_server: LiveServer, demo_job: DemoJob) -> None:
    with client(shared_server) as http:
        for path in (
            download_path(shared_server.zgid, "111111000009999999"),
            download_path(shared_server.zgid, "abc"),
            download_path("123456", demo_job.id),
            f"/v2/crm/{shared_server.zgid}/bulk-write/{demo_job.id}/other.zip",
        ):
            assert_error(http.get(path), 404, "RESOURCE_NOT_FOUND", {}, NOT_FOUND)


@pytest.fixture(scope="module")
def other_org(shared_server: LiveServer) -> Any:
    return shared_server.new_org(unique("Other Org "))


def test_other_org_cannot_see_the_job(
    shared_server: LiveServer, demo_job: DemoJob, other_org: Any
) -> None:
    unknown = details(shared_server, "111111000009999999", other_org.token)
    for version in ("v2", "v8"):
        foreign = details(shared_server, demo_job.id, other_org.token, version)
        body = assert_error(foreign, 404, "RESOURCE_NOT_FOUND", {}, NOT_FOUND)
        assert body == unknown.json()
    assert details(shared_server, demo_job.id).status_code == 200  # the owner still sees it


def test_other_org_cannot_download_the_result(
    shared_server: LiveServer, demo_job: DemoJob, other_org: Any
) -> None:
    with client(shared_server, other_org.token) as http:
        for path in (demo_job.download, download_path(other_org.org.zgid, demo_job.id)):
            assert_error(http.get(path), 404, "RESOURCE_NOT_FOUND", {}, NOT_FOUND)


def test_other_org_cannot_use_the_file(
    shared_server: LiveServer, demo_job: DemoJob, other_org: Any
) -> None:
    unknown = create(shared_server, job_body("111111000009999999"), other_org.token)
    foreign = create(shared_server, job_body(demo_job.file_id), other_org.token)
    details_ = {"api_name": "file_id", "json_path": f"{RES}.file_id"}
    body = assert_error(foreign, 400, "INVALID_FILE_ID", details_)
    assert body == assert_error(unknown, 400, "INVALID_FILE_ID", details_)


def test_other_org_file_is_not_usable_by_demo_org(
    shared_server: LiveServer, other_org: Any
) -> None:
    foreign_file = upload_ok(shared_server, LEADS_CSV, token=other_org.token)
    assert_error(
        create(shared_server, job_body(foreign_file)),
        400,
        "INVALID_FILE_ID",
        {"api_name": "file_id", "json_path": f"{RES}.file_id"},
    )
    assert upload(shared_server, LEADS_CSV, token=other_org.token).status_code == 200


# --- token hygiene -------------------------------------------------------------------------


def test_tokens_are_neither_stored_nor_logged_whole(
    shared_server: LiveServer, demo_job: DemoJob
) -> None:
    token = shared_server.make_token(["ZohoCRM.bulk.READ"])
    assert details(shared_server, demo_job.id, token).status_code == 200
    assert_error(details(shared_server, demo_job.id, token + "x"), 401, "INVALID_TOKEN")
    database = shared_server.services.settings.sqlite_path
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    log = shared_server.server_log()
    for secret in (token, shared_server.token):
        assert secret.encode() not in stored
        assert secret not in log
