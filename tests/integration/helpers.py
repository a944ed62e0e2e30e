"""Shared pieces of the HTTP error tests: request builders and envelope assertions.

Everything here encodes /work/shared/spec/bulk-write-api.md (sections 1-5): the error envelope
is ``{"code", "details", "message", "status": "error"}`` served as JSON, request-body errors
name the offending key in ``details`` as ``{"api_name", "json_path"}``.
"""

from __future__ import annotations

import io
import re
import socket
import time
import uuid
import zipfile
from datetime import datetime
from typing import Any

import httpx

from bulkwrite.domain.identity import Right, User
from bulkwrite.services.accounts import add_profile, add_user
from tests.server import LiveServer

ID_RE = re.compile(r"^[0-9]{18,19}$")
ENVELOPE_KEYS = {"code", "details", "message", "status"}
RES = "$.resource[0]"
UPLOAD = "/crm/v8/upload"
WRITE = "/crm/bulk/v8/write"

# A Leads file whose mapped columns satisfy every mandatory field (Last_Name, Company).
LEADS_CSV = b"Last_Name,Company,Email\nDoe,Acme,doe@example.com\nRoe,Initech,roe@example.com\n"
LEADS_MAPPINGS: list[dict[str, Any]] = [
    {"api_name": "Last_Name", "index": 0},
    {"api_name": "Company", "index": 1},
    {"api_name": "Email", "index": 2},
]
CONTACTS_CSV = b"Last_Name,Date_of_Birth\nDoe,1980-01-02\n"

# Scope sets: everything except one endpoint's scope.
NO_UPLOAD = ["ZohoCRM.bulk.READ", "ZohoCRM.modules.ALL", "ZohoCRM.users.ALL", "ZohoCRM.org.ALL"]
NO_BULK = ["ZohoCRM.modules.ALL", "ZohoFiles.files.ALL", "ZohoCRM.users.ALL", "ZohoCRM.org.ALL"]
NO_USERS = ["ZohoCRM.bulk.ALL", "ZohoCRM.modules.ALL", "ZohoFiles.files.ALL", "ZohoCRM.org.ALL"]
NO_ORG = ["ZohoCRM.bulk.ALL", "ZohoCRM.modules.ALL", "ZohoFiles.files.ALL", "ZohoCRM.users.ALL"]


# --- assertions ------------------------------------------------------------------------------


def assert_error(
    response: httpx.Response,
    status: int,
    code: str,
    details: dict[str, Any] | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """The exact status and the full envelope; ``details`` compared whole when given."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS, body
    assert body["status"] == "error", body
    assert body["code"] == code, body
    assert isinstance(body["details"], dict), body
    assert isinstance(body["message"], str) and body["message"], body
    assert "Traceback" not in response.text, body
    if details is not None:
        assert body["details"] == details, body
    if message is not None:
        assert body["message"] == message, body
    return body


def assert_at(
    response: httpx.Response, code: str, api_name: str, json_path: str, status: int = 400
) -> dict[str, Any]:
    """A request-body error naming its key: ``details == {"api_name", "json_path"}``."""
    return assert_error(response, status, code, {"api_name": api_name, "json_path": json_path})


def assert_id(value: object) -> str:
    assert isinstance(value, str) and ID_RE.match(value), value
    return value


def assert_iso_time(value: object) -> datetime:
    assert isinstance(value, str), value
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value} has no UTC offset"
    return parsed


# --- request builders ------------------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Zoho-oauthtoken {token}"}


def client(server: LiveServer, token: str | None = None) -> httpx.Client:
    """An httpx client that never follows redirects (as the SDKs do not)."""
    return httpx.Client(
        base_url=server.base_url,
        headers=auth(token or server.token),
        timeout=60.0,
        follow_redirects=False,
    )


def raw_get(server: LiveServer, path: str, header_lines: list[str]) -> httpx.Response:
    """A GET sent over a bare socket, for headers httpx refuses to send (trailing spaces)."""
    url = httpx.URL(server.base_url)
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {url.host}:{url.port}",
        "Connection: close",
        *header_lines,
    ]
    return raw_request(server, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


def raw_request(server: LiveServer, request: bytes) -> httpx.Response:
    """``request`` sent as it is over a socket (what no HTTP client would send); the answer
    read until the server closes the connection."""
    url = httpx.URL(server.base_url)
    with socket.create_connection((url.host, url.port), timeout=30) as sock:
        sock.sendall(request)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_rows = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in row.split(":", 1)) for row in header_rows]
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body)


def multipart(
    content: bytes,
    name: str,
    boundary: str = "bulkwrite-test-boundary",
) -> tuple[bytes, dict[str, str]]:
    """A multipart body whose one part named ``file`` has no Content-Type, as the SDK sends."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(
    server: LiveServer,
    content: bytes,
    name: str = "data.csv",
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    with client(server, token) as http:
        return http.post(
            UPLOAD,
            files={"file": (name, content)},
            headers={"feature": "bulk-write", **(headers or {})},
        )


def upload_ok(
    server: LiveServer, content: bytes = LEADS_CSV, name: str = "data.csv", token: str | None = None
) -> str:
    response = upload(server, content, name, token)
    assert response.status_code == 200, response.text
    return assert_id(response.json()["details"]["file_id"])


def job_body(
    file_id: str,
    module: Any = None,
    operation: str = "insert",
    mappings: list[dict[str, Any]] | None = None,
    **resource: Any,
) -> dict[str, Any]:
    """A valid create body (Leads insert with LEADS_MAPPINGS unless told otherwise)."""
    res: dict[str, Any] = {
        "type": "data",
        "module": module or {"api_name": "Leads"},
        "file_id": file_id,
        "field_mappings": LEADS_MAPPINGS if mappings is None else mappings,
    }
    res.update(resource)
    return {"operation": operation, "resource": [res]}


def create(
    server: LiveServer, body: Any, token: str | None = None, version: str = "v8"
) -> httpx.Response:
    with client(server, token) as http:
        return http.post(f"/crm/bulk/{version}/write", json=body)


def create_ok(server: LiveServer, body: dict[str, Any], token: str | None = None) -> str:
    response = create(server, body, token)
    assert response.status_code == 201, response.text
    return assert_id(response.json()["details"]["id"])


def details(
    server: LiveServer, job_id: str, token: str | None = None, version: str = "v8"
) -> httpx.Response:
    with client(server, token) as http:
        return http.get(f"/crm/bulk/{version}/write/{job_id}")


def download_path(zgid: str, job_id: str) -> str:
    return f"/v2/crm/{zgid}/bulk-write/{job_id}/{job_id}.zip"


def wait_done(server: LiveServer, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll job details until COMPLETED or FAILED (the client-side polling Zoho advises)."""
    deadline, pause = time.monotonic() + timeout, 0.02
    while True:
        body: dict[str, Any] = details(server, job_id).json()
        if body["status"] in ("COMPLETED", "FAILED"):
            return body
        assert time.monotonic() < deadline, f"job {job_id} is still {body['status']}"
        time.sleep(pause)  # polling the API as a client does, not waiting on a worker
        pause = min(pause * 1.5, 0.5)


# --- users, profiles and servers -------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def user_with_profile(
    server: LiveServer, can_import: bool, rights: dict[str, frozenset[Right]]
) -> tuple[User, str]:
    """A demo-org user with a fresh Standard-like profile, and a full-scope token for them."""
    assert server.demo is not None
    profile = add_profile(server.services, server.demo.org, unique("Profile"), can_import, rights)
    email = f"{unique('user')}@demo.test"
    user = add_user(server.services, server.demo.org, email, "Limited User", profile.name)
    token = server.make_token(
        ["ZohoCRM.bulk.ALL", "ZohoCRM.modules.ALL", "ZohoFiles.files.ALL"], user_id=user.id
    )
    return user, token
