"""Through a real ``bulkwrite serve``: a schema applied by the CLI, metadata, records read back."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkwrite.client import Client
from tests.server import LiveServer, make_server

EXAMPLE = Path(__file__).parents[2] / "examples" / "schema.yaml"
ACCOUNTS_CSV = "Account_Name,Phone\nAcme,111\nGlobex,222\n"
PROJECTS_CSV = (
    "Project_Name,Code,Client.Account_Name,Status,Tags,Budget,Hours,Is_Public,Start_Date\n"
    "Apollo,AP-1,Acme,Active,Billable;Urgent,1500.25,12,true,2026-01-31\n"
    "Gemini,GE-2,Globex,Done,,,,false,\n"
    "Mercury,ME-3,Nowhere,,,,,,\n"
)


def cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bulkwrite", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def http(server: LiveServer, token: str | None = None) -> httpx.Client:
    headers = {} if token == "" else server.headers(token)
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=30)


def import_csv(server: LiveServer, module: str, text: str) -> dict[str, Any]:
    """Upload, create an insert job with header auto-mapping, poll until it ends (as a client)."""
    with http(server) as client:
        upload = client.post(
            "/crm/v8/upload",
            files={"file": (f"{module}.csv", text.encode())},
            headers={"feature": "bulk-write"},
        )
        file_id = upload.json()["details"]["file_id"]
        body = {
            "operation": "insert",
            "resource": [{"type": "data", "module": {"api_name": module}, "file_id": file_id}],
        }
        created = client.post("/crm/bulk/v8/write", json=body)
        assert created.status_code == 201, created.text
        job_id = created.json()["details"]["id"]
        deadline, pause = time.monotonic() + 30, 0.02
        while True:
            details: dict[str, Any] = client.get(f"/crm/bulk/v8/write/{job_id}").json()
            if details["status"] in ("COMPLETED", "FAILED"):
                return details
            assert time.monotonic() < deadline, details
            time.sleep(pause)  # a client polling the API, not a test waiting on a worker
            pause = min(pause * 2, 0.5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server whose demo org got the example schema (applied while it runs) and data."""
    made = make_server(tmp_path_factory.mktemp("records") / "data")
    made.start()
    try:
        applied = cli(made, "schema", "apply", str(EXAMPLE))
        assert applied.returncode == 0, applied.stderr
        assert applied.stdout.splitlines()[0] == "created module Projects"
        assert import_csv(made, "Accounts", ACCOUNTS_CSV)["status"] == "COMPLETED"
        file = import_csv(made, "Projects", PROJECTS_CSV)["resource"][0]["file"]
        assert (file["added_count"], file["skipped_count"]) == (2, 1)
        yield made
    finally:
        made.stop()


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "details", "message", "status"} and body["status"] == "error"
    return str(body["code"])


def test_schema_cli_is_idempotent_and_explains_refusals(server: LiveServer, tmp_path: Path) -> None:
    again = cli(server, "schema", "apply", str(EXAMPLE), "--org", server.zgid)
    assert (again.returncode, again.stdout) == (0, "no changes\n")
    shown = cli(server, "schema", "show", "Projects")
    assert (
        shown.returncode == 0
        and "{api_name: Client, type: lookup, lookup: Accounts}" in shown.stdout
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "modules:\n  - api_name: Projects\n    fields: [{api_name: Hours, type: text}]\n"
    )
    refused = cli(server, "schema", "apply", str(bad))
    assert refused.returncode == 2
    assert "error: INVALID_DATA" in refused.stderr
    assert "- Projects.Hours: cannot change the type from integer to text" in refused.stderr


def test_modules_metadata(server: LiveServer) -> None:
    with http(server) as client:
        modules = client.get("/crm/v8/settings/modules").json()["modules"]
        one = client.get("/crm/v2.1/settings/modules/projects").json()["modules"]
    by_name = {m["api_name"]: m for m in modules}
    assert list(by_name)[:6] == ["Leads", "Accounts", "Contacts", "Deals", "Products", "Vendors"]
    projects = by_name["Projects"]
    assert one == [projects]
    assert projects["id"].isdigit() and len(projects["id"]) >= 18
    assert {k: projects[k] for k in ("module_name", "singular_label", "plural_label")} == {
        "module_name": "Projects",
        "singular_label": "Project",
        "plural_label": "Projects",
    }
    assert projects["api_supported"] is True and projects["generated_type"] == "custom"
    assert by_name["Leads"]["generated_type"] == "default"


def test_fields_metadata(server: LiveServer) -> None:
    with http(server) as client:
        fields = client.get("/crm/v8/settings/fields", params={"module": "Projects"}).json()
        v2 = client.get("/crm/v2/settings/fields", params={"module": "Projects"}).json()
        modules = client.get("/crm/v8/settings/modules").json()["modules"]
    by_name = {f["api_name"]: f for f in fields["fields"]}
    accounts_id = next(m["id"] for m in modules if m["api_name"] == "Accounts")
    name = by_name["Project_Name"]
    assert (name["data_type"], name["length"], name["system_mandatory"]) == ("text", 120, True)
    assert name["unique"] == {"casesensitive": "false"} and by_name["Hours"]["unique"] == {}
    assert by_name["Code"]["field_label"] == by_name["Code"]["display_label"] == "Project Code"
    assert by_name["Start_Date"]["display_label"] == "Start Date"
    assert by_name["Client"]["lookup"]["module"] == {"api_name": "Accounts", "id": accounts_id}
    assert {f["api_name"]: f for f in v2["fields"]}["Client"]["lookup"]["module"] == "Accounts"
    tags = by_name["Tags"]
    assert tags["json_type"] == "jsonarray"
    assert [v["actual_value"] for v in tags["pick_list_values"]][:2] == ["Internal", "Billable"]
    assert tags["pick_list_values"][0]["display_value"] == "Internal"
    assert by_name["Owner"]["data_type"] == "ownerlookup"
    assert by_name["Created_Time"]["read_only"] is True
    assert all(f["id"].isdigit() for f in fields["fields"])
    with http(server) as client:
        field_id = by_name["Hours"]["id"]
        single = client.get(f"/crm/v8/settings/fields/{field_id}", params={"module": "Projects"})
    assert single.json()["fields"] == [by_name["Hours"]]


def test_metadata_errors_and_scopes(server: LiveServer) -> None:
    only_fields = server.make_token(["ZohoCRM.settings.fields.READ"])
    no_settings = server.make_token(["ZohoCRM.bulk.ALL", "ZohoCRM.modules.READ"])
    with http(server) as client:
        assert error_of(client.get("/crm/v8/settings/fields"), 400) == "INVALID_DATA"
        unknown = client.get("/crm/v8/settings/fields", params={"module": "Nowhere"})
        assert error_of(unknown, 400) == "MODULE_NOT_AVAILABLE"
        assert error_of(client.get("/crm/v8/settings/modules/Nowhere"), 400) == (
            "MODULE_NOT_AVAILABLE"
        )
    with http(server, only_fields) as client:
        assert client.get("/crm/v8/settings/fields", params={"module": "leads"}).status_code == 200
    with http(server, no_settings) as client:
        assert error_of(client.get("/crm/v8/settings/modules"), 401) == "OAUTH_SCOPE_MISMATCH"


def test_records_read_back_typed_with_lookup_names(server: LiveServer) -> None:
    with http(server) as client:
        page = client.get("/crm/v8/Projects", params={"sort_by": "Project_Name"})
        assert page.status_code == 200 and page.headers["content-type"].startswith(
            "application/json"
        )
        apollo, gemini = page.json()["data"]
        info = page.json()["info"]
        expiry = datetime.fromisoformat(info.pop("page_token_expiry"))
        assert info == {
            "per_page": 200,
            "count": 2,
            "page": 1,
            "more_records": False,
            "next_page_token": None,
        }
        assert timedelta(hours=23) < expiry - datetime.now(UTC) <= timedelta(hours=24)
        one = client.get(f"/crm/v8/projects/{apollo['id']}", params={"fields": "Client,Tags"})
    admin = {"id": server.demo.admin.id if server.demo else "", "name": "Demo Admin"}
    assert apollo["Client"]["name"] == "Acme" and apollo["Client"]["id"].isdigit()
    assert (apollo["Tags"], apollo["Budget"], apollo["Hours"]) == (
        ["Billable", "Urgent"],
        1500.25,
        12,
    )
    assert (apollo["Is_Public"], apollo["Start_Date"], apollo["Notes"]) == (
        True,
        "2026-01-31",
        None,
    )
    assert apollo["Owner"] == apollo["Created_By"] == apollo["Modified_By"] == admin
    assert apollo["Created_Time"].endswith("+00:00")
    assert (gemini["Is_Public"], gemini["Tags"], gemini["Client"]["name"]) == (
        False,
        None,
        "Globex",
    )
    assert one.json() == {
        "data": [{"id": apollo["id"], "Client": apollo["Client"], "Tags": apollo["Tags"]}],
        "info": {"per_page": 1, "count": 1, "page": 1, "more_records": False},
    }


def test_record_pages_and_errors(server: LiveServer) -> None:
    with http(server) as client:
        first = client.get("/crm/v8/Accounts", params={"per_page": 1, "sort_order": "desc"})
        assert first.json()["info"]["more_records"] is True
        assert first.json()["data"][0]["Account_Name"] == "Globex"
        empty = client.get("/crm/v8/Accounts", params={"page": 3, "per_page": 1})
        assert (empty.status_code, empty.content) == (204, b"")
        assert client.get("/crm/v8/Vendors").status_code == 204
        assert error_of(client.get("/crm/v8/Accounts", params={"per_page": 201}), 400) == (
            "INVALID_DATA"
        )
        missing = client.get("/crm/v8/Accounts/111111000000000001")
        assert error_of(missing, 404) == "RESOURCE_NOT_FOUND"
        assert error_of(client.get("/crm/v8/Nowhere"), 404) == "INVALID_URL_PATTERN"


@pytest.mark.parametrize(
    ("scopes", "status"),
    [
        (["ZohoCRM.modules.projects.READ"], 200),
        (["ZohoCRM.modules.Projects.ALL"], 200),
        (["ZohoCRM.modules.leads.READ"], 401),
        (["ZohoCRM.bulk.ALL", "ZohoCRM.settings.ALL"], 401),
    ],
)
def test_record_scopes(server: LiveServer, scopes: list[str], status: int) -> None:
    with http(server, server.make_token(scopes)) as client:
        response = client.get("/crm/v8/Projects")
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/crm/v8/upload", 400, "INVALID_REQUEST_METHOD"),
        ("PUT", "/crm/bulk/v8/write", 400, "INVALID_REQUEST_METHOD"),  # GET: the job list
        ("POST", "/crm/v8/Projects", 400, "INVALID_REQUEST_METHOD"),
        ("POST", "/crm/v8/settings/modules", 400, "INVALID_REQUEST_METHOD"),
        ("GET", "/crm/v9/Projects", 404, "INVALID_URL_PATTERN"),
        ("GET", "/crm/v9/upload", 404, "INVALID_URL_PATTERN"),
        ("GET", "/crm/v8/Projects/", 404, "INVALID_URL_PATTERN"),
        ("GET", "/crm/v8/Projects/1/extra", 404, "INVALID_URL_PATTERN"),
    ],
)
def test_records_routes_shadow_nothing(
    server: LiveServer, method: str, path: str, status: int, code: str
) -> None:
    with http(server) as client:
        assert error_of(client.request(method, path), status) == code


def test_the_routes_registered_before_still_answer(server: LiveServer) -> None:
    with http(server) as client:
        assert client.get("/crm/v8/users", params={"type": "CurrentUser"}).status_code == 200
        assert client.get("/crm/v8/org").status_code == 200
    unauthenticated = httpx.get(f"{server.base_url}/crm/v8/no-such-thing")
    assert error_of(unauthenticated, 404) == "INVALID_URL_PATTERN"
    assert error_of(httpx.get(f"{server.base_url}/crm/v8/Leads"), 401) == "AUTHENTICATION_FAILURE"


def test_records_page_by_token_over_http(server: LiveServer) -> None:
    """v3 and later hand out page tokens; v2 and v2.1 neither carry nor take them."""
    query = {"per_page": "1", "sort_by": "Project_Name", "fields": "Project_Name"}
    with http(server) as client:
        first = client.get("/crm/v8/Projects", params=query).json()
        token = first["info"]["next_page_token"]
        assert first["info"]["more_records"] and isinstance(token, str)
        second = client.get("/crm/v3/Projects", params={**query, "page_token": token})
        assert second.status_code == 200, second.text
        assert second.json()["info"]["page"] == 2
        assert second.json()["info"]["next_page_token"] is None
        names = [first["data"][0]["Project_Name"], second.json()["data"][0]["Project_Name"]]
        assert names == ["Apollo", "Gemini"]
        altered = client.get("/crm/v8/Projects", params={**query, "page_token": token + "x"})
        assert error_of(altered, 400) == "INVALID_DATA"
        assert altered.json()["details"]["api_name"] == "page_token"
        other = client.get(
            "/crm/v8/Projects", params={**query, "per_page": "2", "page_token": token}
        )
        assert error_of(other, 400) == "INVALID_DATA"
        both = client.get("/crm/v8/Projects", params={**query, "page": "2", "page_token": token})
        assert error_of(both, 400) == "INVALID_DATA"
        old = client.get("/crm/v2.1/Projects", params=query).json()["info"]
        assert set(old) == {"per_page", "count", "page", "more_records"}
        refused = client.get("/crm/v2/Projects", params={**query, "page_token": token})
        assert error_of(refused, 400) == "INVALID_DATA"


def test_client_iterates_records_by_token_and_by_page_on_old_versions(server: LiveServer) -> None:
    for version in ("v8", "v2.1"):
        with Client(server.base_url, server.token, version=version) as client:
            walked = client.iter_records("Projects", per_page=1, sort_by="Project_Name")
            assert [r["Project_Name"] for r in walked] == ["Apollo", "Gemini"], version
            desc = client.iter_records("Projects", 1, "Project_Name", "Project_Name", "desc")
            assert [r["Project_Name"] for r in desc] == ["Gemini", "Apollo"], version
