"""Successful answers, shaped as contract sections 1, 5, 6 and 7 say (the SDKs depend on it)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from tests.integration.helpers import (
    LEADS_CSV,
    assert_id,
    assert_iso_time,
    client,
    create,
    create_ok,
    details,
    job_body,
    upload_ok,
    wait_done,
)
from tests.server import LiveServer

MAPPING_KEYS = {"api_name", "index", "format", "find_by", "module", "default_value"}
CONTACTS = b"Last_Name,Date_of_Birth,Account\r\nDoe,1980-01-02,\r\nRoe,1975-12-31,\r\n"
CONTACT_MAPPINGS: list[dict[str, Any]] = [
    {"api_name": "Last_Name", "index": 0},
    {"api_name": "Date_of_Birth", "index": 1, "format": "yyyy-MM-dd"},
    {"api_name": "Account_Name", "index": 2, "find_by": "Account_Name"},
    {"api_name": "Lead_Source", "default_value": {"value": "Trade Show"}},
]


@pytest.fixture(scope="module")
def contacts_job(shared_server: LiveServer) -> str:
    file_id = upload_ok(shared_server, CONTACTS, "contacts.csv")
    body = job_body(file_id, module={"api_name": "Contacts"}, mappings=CONTACT_MAPPINGS)
    body["callback"] = {"url": "http://127.0.0.1:9/callback", "method": "post"}
    body["some_unknown_key"] = {"ignored": True}
    job_id = create_ok(shared_server, body)
    assert wait_done(shared_server, job_id)["status"] == "COMPLETED"
    return job_id


@pytest.mark.parametrize(
    ("version", "module"),
    [
        ("v8", {"api_name": "Leads"}),
        ("v2.1", {"api_name": "leads"}),
        ("v2", "Leads"),
    ],
)
def test_create_answers_201(shared_server: LiveServer, version: str, module: Any) -> None:
    assert shared_server.demo is not None
    file_id = upload_ok(shared_server, LEADS_CSV)
    response = create(shared_server, job_body(file_id, module=module), version=version)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "message", "details"}
    assert (body["status"], body["code"], body["message"]) == ("success", "SUCCESS", "success")
    assert set(body["details"]) == {"id", "created_by"}
    assert_id(body["details"]["id"])
    assert body["details"]["created_by"] == {
        "id": shared_server.demo.admin.id,
        "name": shared_server.demo.admin.full_name,
    }


def test_details_v8(shared_server: LiveServer, contacts_job: str) -> None:
    response = details(shared_server, contacts_job)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["id"] == contacts_job
    assert (document["status"], document["operation"], document["ignore_empty"]) == (
        "COMPLETED",
        "insert",
        False,
    )
    callback = document["callback"]
    assert {k: callback[k] for k in ("url", "method")} == {
        "url": "http://127.0.0.1:9/callback",
        "method": "post",
    }
    assert set(callback["delivery"]) == {  # beyond-zoho.md §7; docs/callbacks.md
        "id",
        "status",
        "attempts",
        "last_attempt_time",
        "last_status_code",
        "last_error",
        "next_attempt_time",
    }
    assert_id(document["created_by"]["id"])
    assert_iso_time(document["created_time"])
    (resource,) = document["resource"]
    assert (resource["status"], resource["code"], resource["type"]) == (
        "COMPLETED",
        "COMPLETED",
        "data",
    )
    assert resource["module"]["api_name"] == "Contacts"
    assert_id(resource["module"]["id"])
    file = resource["file"]
    assert file["status"] == "COMPLETED"
    assert (
        file["total_count"]
        == file["added_count"] + file["updated_count"] + file["skipped_count"]
        == 2
    )
    url = document["result"]["download_url"]
    assert url.startswith(shared_server.base_url + "/")


@pytest.mark.parametrize("version", ["v2", "v8"])
def test_details_echo_every_mapping_with_all_its_keys(
    shared_server: LiveServer, contacts_job: str, version: str
) -> None:
    """Six keys in v2; from v2.1 on ``parent_column_index`` too (contract section 12)."""
    document = details(shared_server, contacts_job, version=version).json()
    echoed = document["resource"][0]["field_mappings"]
    keys = MAPPING_KEYS if version == "v2" else MAPPING_KEYS | {"parent_column_index"}
    assert len(echoed) == len(CONTACT_MAPPINGS)
    for sent, got in zip(CONTACT_MAPPINGS, echoed, strict=True):
        assert set(got) == keys, got
        assert got == {key: sent.get(key) for key in keys}


@pytest.mark.parametrize("version", ["v2.1", "v3", "v7", "v8"])
def test_details_module_is_an_object_after_v2(
    shared_server: LiveServer, contacts_job: str, version: str
) -> None:
    module = details(shared_server, contacts_job, version=version).json()["resource"][0]["module"]
    assert set(module) == {"api_name", "id"}
    assert module["api_name"] == "Contacts"
    assert_id(module["id"])


def test_details_module_is_a_string_in_v2(shared_server: LiveServer, contacts_job: str) -> None:
    document = details(shared_server, contacts_job, version="v2").json()
    assert document["resource"][0]["module"] == "Contacts"
    v8 = _with_module(details(shared_server, contacts_job).json(), "Contacts")
    assert _without_delivery(document) == _without_delivery(v8)


def _without_delivery(document: dict[str, Any]) -> dict[str, Any]:
    """The document without ``callback.delivery``, which moves on as its attempts go by."""
    callback = {k: v for k, v in document["callback"].items() if k != "delivery"}
    return {**document, "callback": callback}


def _with_module(document: dict[str, Any], module: str) -> dict[str, Any]:
    """A v2.1+ document as v2 answers it: the module a string, no ``parent_column_index``."""
    first = document["resource"][0]
    mappings = [
        {k: v for k, v in m.items() if k != "parent_column_index"} for m in first["field_mappings"]
    ]
    resource = {**first, "module": module, "field_mappings": mappings}
    return {**document, "resource": [resource]}


def test_download_is_a_zip_attachment(shared_server: LiveServer, contacts_job: str) -> None:
    url = details(shared_server, contacts_job).json()["result"]["download_url"]
    with client(shared_server) as http:
        response = http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment") and f'filename="{contacts_job}.zip"' in disposition
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["Contacts-contacts.csv"]


@pytest.mark.parametrize("version", ["v2", "v8"])
def test_current_user(shared_server: LiveServer, version: str) -> None:
    assert shared_server.demo is not None
    with client(shared_server) as http:
        response = http.get(f"/crm/{version}/users", params={"type": "CurrentUser"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"users", "info"}
    (user,) = body["users"]
    admin = shared_server.demo.admin
    assert (user["id"], user["full_name"], user["email"], user["status"]) == (
        admin.id,
        admin.full_name,
        admin.email,
        "active",
    )
    assert_id(user["id"])
    assert isinstance(body["info"], dict)


@pytest.mark.parametrize("version", ["v2", "v8"])
def test_org(shared_server: LiveServer, version: str) -> None:
    assert shared_server.demo is not None
    with client(shared_server) as http:
        response = http.get(f"/crm/{version}/org")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"org"}
    (org,) = body["org"]
    assert (org["id"], org["zgid"], org["company_name"]) == (
        shared_server.demo.org.id,
        shared_server.zgid,
        shared_server.demo.org.name,
    )
    assert_id(org["id"])
