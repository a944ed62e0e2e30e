"""Unknown URLs, wrong methods and every create-job body error of contract sections 3 and 5.

Each test asserts the exact HTTP status and the whole error envelope; request-body errors must
name their key as ``details == {"api_name": ..., "json_path": ...}``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.integration.helpers import (
    CONTACTS_CSV,
    LEADS_CSV,
    LEADS_MAPPINGS,
    RES,
    UPLOAD,
    WRITE,
    assert_at,
    assert_error,
    client,
    create,
    create_ok,
    job_body,
    upload_ok,
)
from tests.server import LiveServer

URL_MESSAGE = "Please check if the URL trying to access is a correct one"
METHOD_MESSAGE = "The http request method type is not a valid one"


@pytest.fixture(scope="module")
def leads_file(shared_server: LiveServer) -> str:
    return upload_ok(shared_server, LEADS_CSV, "leads.csv")


# --- INVALID_URL_PATTERN and INVALID_REQUEST_METHOD ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/crm/v8/no-such-thing"),
        ("POST", "/crm/v9/upload"),
        ("POST", "/crm/bulk/v9/write"),
        ("GET", "/crm/bulk/v1/write/111111000000000001"),
        ("GET", "/crm/v9/users"),
        ("GET", "/crm/v2.2/org"),
        ("GET", "/crm/V8/org"),
        ("GET", "/crm/bulk/v8/write/111111000000000001/extra"),
        ("GET", "/crm/v8/org/"),
        ("POST", "/crm/bulk/v8/write/"),  # a trailing slash never redirects
        ("GET", "/crm/bulk/v8/write/111111000000000001/"),
        ("POST", "/crm/v8/upload/"),
    ],
)
def test_unknown_url_is_404_never_a_redirect(
    shared_server: LiveServer, method: str, path: str
) -> None:
    with client(shared_server) as http:
        response = http.request(method, path, json={})
    assert "location" not in response.headers
    assert_error(response, 404, "INVALID_URL_PATTERN", {}, URL_MESSAGE)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/crm/v8/no-such-thing"),
        ("POST", "/crm/v9/upload"),
        ("GET", "/crm/bulk/v9/write/111111000000000001"),
    ],
)
def test_unknown_url_without_credentials_is_still_404(
    shared_server: LiveServer, method: str, path: str
) -> None:
    response = httpx.request(method, f"{shared_server.base_url}{path}")
    assert_error(response, 404, "INVALID_URL_PATTERN", {}, URL_MESSAGE)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/crm/v9/upload"),
        ("DELETE", "/crm/bulk/v9/write"),
        ("PUT", "/crm/bulk/v1/write/111111000000000001"),
        ("POST", "/crm/v9/org"),
    ],
)
def test_any_method_on_unknown_version_is_404(
    shared_server: LiveServer, method: str, path: str
) -> None:
    with client(shared_server) as http:
        response = http.request(method, path)
    assert_error(response, 404, "INVALID_URL_PATTERN", {}, URL_MESSAGE)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", UPLOAD),
        ("PUT", UPLOAD),
        ("DELETE", WRITE),
        ("PUT", WRITE),  # GET of it is the job list (beyond-zoho.md section 1)
        ("PUT", f"{WRITE}/111111000000000001"),
        ("DELETE", f"{WRITE}/111111000000000001"),
        ("POST", "/crm/v8/org"),
    ],
)
def test_wrong_method_on_known_path(shared_server: LiveServer, method: str, path: str) -> None:
    with client(shared_server) as http:
        response = http.request(method, path)
    assert_error(response, 400, "INVALID_REQUEST_METHOD", {}, METHOD_MESSAGE)


# --- MANDATORY_NOT_FOUND -------------------------------------------------------------------


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    body = {**body, "resource": [dict(body["resource"][0])]}
    if key in body:
        del body[key]
    else:
        del body["resource"][0][key]
    return body


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("operation", "$.operation"),
        ("resource", "$.resource"),
        ("type", f"{RES}.type"),
        ("module", f"{RES}.module"),
        ("file_id", f"{RES}.file_id"),
    ],
)
def test_missing_required_key(
    shared_server: LiveServer, leads_file: str, key: str, path: str
) -> None:
    response = create(shared_server, _without(job_body(leads_file), key))
    assert_at(response, "MANDATORY_NOT_FOUND", key, path)


@pytest.mark.parametrize("operation", ["update", "upsert"])
def test_missing_find_by_for_update_and_upsert(
    shared_server: LiveServer, leads_file: str, operation: str
) -> None:
    response = create(shared_server, job_body(leads_file, operation=operation))
    assert_at(response, "MANDATORY_NOT_FOUND", "find_by", f"{RES}.find_by")


def test_mapping_without_api_name(shared_server: LiveServer, leads_file: str) -> None:
    mappings = [LEADS_MAPPINGS[0], {"index": 1}, LEADS_MAPPINGS[2]]
    response = create(shared_server, job_body(leads_file, mappings=mappings))
    assert_at(response, "MANDATORY_NOT_FOUND", "api_name", f"{RES}.field_mappings[1].api_name")


# --- INVALID_DATA --------------------------------------------------------------------------


def test_unsupported_operation(shared_server: LiveServer, leads_file: str) -> None:
    response = create(shared_server, job_body(leads_file, operation="delete"))
    assert_at(response, "INVALID_DATA", "operation", "$.operation")


def test_type_other_than_data(shared_server: LiveServer, leads_file: str) -> None:
    response = create(shared_server, job_body(leads_file, type="meta"))
    assert_at(response, "INVALID_DATA", "type", f"{RES}.type")


@pytest.mark.parametrize("operation", ["update", "upsert"])
def test_find_by_not_unique(shared_server: LiveServer, leads_file: str, operation: str) -> None:
    response = create(shared_server, job_body(leads_file, operation=operation, find_by="Last_Name"))
    assert_at(response, "INVALID_DATA", "find_by", f"{RES}.find_by")


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("body", "$.ignore_empty"),
        ("resource", f"{RES}.ignore_empty"),
    ],
)
def test_ignore_empty_not_boolean(
    shared_server: LiveServer, leads_file: str, where: str, path: str
) -> None:
    body = job_body(leads_file)
    (body if where == "body" else body["resource"][0])["ignore_empty"] = "yes"
    assert_at(create(shared_server, body), "INVALID_DATA", "ignore_empty", path)


def test_unknown_character_encoding(shared_server: LiveServer, leads_file: str) -> None:
    body = {**job_body(leads_file), "character_encoding": "no-such-codec"}
    assert_at(
        create(shared_server, body), "INVALID_DATA", "character_encoding", "$.character_encoding"
    )


def test_callback_url_not_http(shared_server: LiveServer, leads_file: str) -> None:
    body = {**job_body(leads_file), "callback": {"url": "ftp://example.com/x", "method": "post"}}
    assert_at(create(shared_server, body), "INVALID_DATA", "url", "$.callback.url")


@pytest.mark.parametrize("raw", [b"{not json", b"", b'{"operation": "insert",'])
def test_malformed_json_body(shared_server: LiveServer, raw: bytes) -> None:
    with client(shared_server) as http:
        response = http.post(WRITE, content=raw, headers={"Content-Type": "application/json"})
    assert_at(response, "INVALID_DATA", "body", "$")


@pytest.mark.parametrize("body", [[], [{"operation": "insert"}], "insert", 42, None])
def test_json_body_not_an_object(shared_server: LiveServer, body: Any) -> None:
    assert_at(create(shared_server, body), "INVALID_DATA", "body", "$")


# --- module, fields, indexes, formats ------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "module"),
    [
        ("v8", {"api_name": "No_Such_Module"}),
        ("v8", {"id": "111111000009999999"}),
        ("v2", "No_Such_Module"),
    ],
)
def test_unknown_module(
    shared_server: LiveServer, leads_file: str, version: str, module: Any
) -> None:
    response = create(shared_server, job_body(leads_file, module=module), version=version)
    assert_at(response, "MODULE_NOT_AVAILABLE", "module", f"{RES}.module")


def test_mapping_names_unknown_field(shared_server: LiveServer, leads_file: str) -> None:
    mappings = [*LEADS_MAPPINGS, {"api_name": "No_Such_Field", "index": 2}]
    response = create(shared_server, job_body(leads_file, mappings=mappings))
    assert_at(response, "INVALID_FIELD", "No_Such_Field", f"{RES}.field_mappings[3].api_name")


@pytest.mark.parametrize("index", [-1, 3, 99])  # LEADS_CSV has three columns: 0, 1, 2
def test_column_index_not_in_file(shared_server: LiveServer, leads_file: str, index: int) -> None:
    mappings = [LEADS_MAPPINGS[0], {"api_name": "Company", "index": index}]
    response = create(shared_server, job_body(leads_file, mappings=mappings))
    assert_at(response, "COLUMN_INDEX_NOT_FOUND", "index", f"{RES}.field_mappings[1].index")


def test_insert_without_mandatory_field(shared_server: LiveServer, leads_file: str) -> None:
    mappings = [{"api_name": "Last_Name", "index": 0}, {"api_name": "Email", "index": 2}]
    body = assert_error(
        create(shared_server, job_body(leads_file, mappings=mappings)),
        400,
        "MANDATORY_FIELDS_NOT_MAPPED",
    )
    assert body["details"]["api_name"] == "Company"
    assert body["details"]["json_path"] == f"{RES}.field_mappings"


def test_insert_without_mandatory_column_by_header(shared_server: LiveServer) -> None:
    file_id = upload_ok(shared_server, b"Last_Name,Email\nDoe,doe@example.com\n")
    body = job_body(file_id)
    del body["resource"][0]["field_mappings"]
    error = assert_error(create(shared_server, body), 400, "MANDATORY_FIELDS_NOT_MAPPED")
    assert error["details"]["api_name"] == "Company"


def test_upsert_without_mandatory_field_is_accepted(
    shared_server: LiveServer, leads_file: str
) -> None:
    # DECIDED: only insert refuses unmapped mandatory fields.
    mappings = [{"api_name": "Email", "index": 2}, {"api_name": "Last_Name", "index": 0}]
    create_ok(
        shared_server, job_body(leads_file, operation="upsert", find_by="Email", mappings=mappings)
    )


def test_bad_date_format(shared_server: LiveServer) -> None:
    file_id = upload_ok(shared_server, CONTACTS_CSV, "contacts.csv")
    mappings = [
        {"api_name": "Last_Name", "index": 0},
        {"api_name": "Date_of_Birth", "index": 1, "format": "yyyy-QQ-dd"},
    ]
    body = job_body(file_id, module={"api_name": "Contacts"}, mappings=mappings)
    assert_at(
        create(shared_server, body), "INVALID_FORMAT", "format", f"{RES}.field_mappings[1].format"
    )


@pytest.mark.parametrize("method", ["get", "put", "GET"])
def test_callback_method_other_than_post(
    shared_server: LiveServer, leads_file: str, method: str
) -> None:
    body = {**job_body(leads_file), "callback": {"url": "http://127.0.0.1:9/cb", "method": method}}
    assert_error(
        create(shared_server, body),
        400,
        "INVALID_CALLBACK_METHOD",
        {"supported_callback_methods": ["post"]},
    )


# --- the file a job names ------------------------------------------------------------------


@pytest.mark.parametrize("file_id", ["111111000009999999", "not-a-number", 111111000009999998])
def test_unknown_file_id(shared_server: LiveServer, file_id: Any) -> None:
    assert_at(
        create(shared_server, job_body(file_id)), "INVALID_FILE_ID", "file_id", f"{RES}.file_id"
    )


def test_header_only_file(shared_server: LiveServer) -> None:
    file_id = upload_ok(shared_server, b"Last_Name,Company,Email\r\n", "empty.csv")
    assert_at(create(shared_server, job_body(file_id)), "INVALID_DATA", "file_id", f"{RES}.file_id")


def test_cp1252_file_declared_utf8(shared_server: LiveServer) -> None:
    content = "Last_Name,Company,Email\nMüller,Café Crème,m@example.com\n".encode("cp1252")
    file_id = upload_ok(shared_server, content, "latin.csv")
    body = {**job_body(file_id), "character_encoding": "UTF-8"}
    assert_at(
        create(shared_server, body), "INVALID_DATA", "character_encoding", "$.character_encoding"
    )
    # Without a declared encoding the same file is detected as cp1252 and accepted.
    create_ok(shared_server, job_body(file_id))


# --- INTERNAL_ERROR ------------------------------------------------------------------------


def test_unexpected_failure_is_internal_error_without_traceback(shared_server: LiveServer) -> None:
    # An honest way to make the server fail unexpectedly: its stored upload vanishes from disk.
    file_id = upload_ok(shared_server, LEADS_CSV, "gone.csv")
    stored = shared_server.services.settings.files_dir / "uploads" / f"{file_id}.csv"
    assert stored.exists(), "uploads are stored as files/uploads/<file_id>.csv"
    stored.unlink()
    response = create(shared_server, job_body(file_id))
    assert_error(response, 500, "INTERNAL_ERROR", {}, "Internal Server Error")
    assert str(stored) not in response.text
    # "it is logged, with a request id": the one the response carries
    request_id = response.headers["X-Request-Id"]
    assert f"request {request_id} failed" in shared_server.server_log()


def test_every_response_carries_its_own_request_id(shared_server: LiveServer) -> None:
    ok = httpx.get(f"{shared_server.base_url}/health")
    unknown = httpx.get(f"{shared_server.base_url}/crm/v9/nowhere", headers=shared_server.headers())
    refused = httpx.get(f"{shared_server.base_url}/crm/bulk/v8/write/1")
    ids = [r.headers["X-Request-Id"] for r in (ok, unknown, refused)]
    assert [r.status_code for r in (ok, unknown, refused)] == [200, 404, 401]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert len(set(ids)) == 3
