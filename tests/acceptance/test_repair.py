"""Dry runs, errors and failed rows (beyond-zoho.md §4, §5) over HTTP against real
``bulkwrite serve`` processes, through the Python client and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkwrite.client import BulkWriteAPIError, Client
from tests.acceptance.clitools import run_cli, write_text
from tests.server import LiveServer

LEADS = (
    "Last_Name,Company,Email,Notes,Lead_Source\n"
    "Smith,Acme,smith@example.com,keep me,Web Download\n"
    ",Acme,blank@example.com,no name,\n"
    "Doe,Initech,bob@,bad email,Nowhere\n"
    "Roe,Globex,roe@example.com,fine,\n"
)
MAPPINGS = [
    {"api_name": "Last_Name", "index": 0},
    {"api_name": "Company", "index": 1},
    {"api_name": "Email", "index": 2},
    {"api_name": "Lead_Source", "index": 4},
]


def body(
    file_id: str, module: str, mappings: list[dict[str, Any]] | None = None, **top: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {"type": "data", "module": {"api_name": module}, "file_id": file_id}
    if mappings is not None:
        resource["field_mappings"] = mappings
    return {"operation": "insert", **top, "resource": [resource]}


def upload_text(client: Client, tmp_path: Path, text: str, name: str = "leads.csv") -> str:
    return client.upload_csv(write_text(tmp_path / name, text))


def run(client: Client, job: dict[str, Any], dry_run: bool = False) -> str:
    job_id = client.create_job(job, dry_run=dry_run)
    assert client.wait(job_id, timeout=120).status == "COMPLETED"
    return job_id


@pytest.fixture
def client(live_server: LiveServer) -> Any:
    with Client(live_server.base_url, live_server.token) as made:
        yield made


def test_a_dry_run_writes_nothing_and_reports_what_a_real_run_would(
    client: Client, tmp_path: Path
) -> None:
    file_id = upload_text(client, tmp_path, LEADS)
    dry = client.job(run(client, body(file_id, "Leads", MAPPINGS), dry_run=True))
    assert dry.raw["dry_run"] is True
    assert client.records("Leads") == []
    real = client.job(run(client, body(file_id, "Leads", MAPPINGS)))
    assert "dry_run" not in real.raw
    assert (
        (dry.counts.added, dry.counts.skipped) == (real.counts.added, real.counts.skipped) == (2, 2)
    )
    dry_rows = list(csv.DictReader(io.StringIO(client.result_csv(client.download_result(dry)))))
    real_rows = list(csv.DictReader(io.StringIO(client.result_csv(client.download_result(real)))))
    assert [r["STATUS"] for r in dry_rows] == [r["STATUS"] for r in real_rows]
    assert [r["ERRORS"] for r in dry_rows] == [r["ERRORS"] for r in real_rows]
    assert all(r["RECORD_ID"] == "" for r in dry_rows)
    assert len(client.records("Leads")) == 2


@pytest.mark.parametrize("value", ["yes", 0, None, [True]])
def test_dry_run_that_is_not_a_boolean_is_refused(
    client: Client, tmp_path: Path, value: object
) -> None:
    file_id = upload_text(client, tmp_path, LEADS)
    with pytest.raises(BulkWriteAPIError) as caught:
        client.create_job({**body(file_id, "Leads", MAPPINGS), "dry_run": value})
    assert (caught.value.status, caught.value.code) == (400, "INVALID_DATA")
    assert caught.value.details["json_path"] == "$.dry_run"


def test_errors_name_row_column_value_and_what_was_expected(client: Client, tmp_path: Path) -> None:
    leads = run(client, body(upload_text(client, tmp_path, LEADS), "Leads", MAPPINGS))
    page = client.errors(leads)
    assert [(e["resource"], e["row"], e["status"]) for e in page["errors"]] == [
        (0, 2, "SKIPPED"),
        (0, 3, "SKIPPED"),
    ]
    assert page["errors"][0]["errors"] == [
        {
            "code": "MANDATORY_NOT_FOUND",
            "column": "Last_Name",
            "field": "Last_Name",
            "value": "",
            "message": page["errors"][0]["errors"][0]["message"],
        }
    ]
    bad = {e["column"]: e for e in page["errors"][1]["errors"]}
    assert bad["Email"]["value"] == "bob@" and bad["Email"]["message"] == "not an email address"
    assert bad["Lead_Source"]["value"] == "Nowhere"
    assert bad["Lead_Source"]["message"] == "not one of the picklist values"
    summary = {(s["code"], s["column"]): s["count"] for s in page["summary"]}
    assert summary == {
        ("MANDATORY_NOT_FOUND", "Last_Name"): 1,
        ("INVALID_DATA", "Email"): 1,
        ("INVALID_DATA", "Lead_Source"): 1,
    }
    assert page["info"]["total_rows"] == 2 and page["info"]["more_records"] is False
    second = client.errors(leads, page=2, per_page=1)
    assert [e["row"] for e in second["errors"]] == [3]
    assert second["info"]["more_records"] is False
    assert client.errors(leads, page=3, per_page=1)["errors"] == []
    assert client.errors(leads, page=1, per_page=1)["info"]["more_records"] is True


def test_lookup_and_date_messages(client: Client, tmp_path: Path) -> None:
    contacts = "Last_Name,Account_Name\nLee,Acme\n"
    mappings = [
        {"api_name": "Last_Name", "index": 0},
        {"api_name": "Account_Name", "index": 1, "find_by": "Account_Name"},
    ]
    job = run(client, body(upload_text(client, tmp_path, contacts), "Contacts", mappings))
    (row,) = client.errors(job)["errors"]
    (error,) = row["errors"]
    assert error["code"] == "RESOURCE_NOT_FOUND"
    assert error["message"] == "no Accounts record with Account_Name 'Acme'"
    deals = "Deal_Name,Stage,Closing_Date\nBig,Qualification,31.12.2026\n"
    mappings = [
        {"api_name": "Deal_Name", "index": 0},
        {"api_name": "Stage", "index": 1},
        {"api_name": "Closing_Date", "index": 2, "format": "MM/dd/yyyy"},
    ]
    job = run(client, body(upload_text(client, tmp_path, deals, "deals.csv"), "Deals", mappings))
    (row,) = client.errors(job)["errors"]
    assert row["errors"][0]["message"] == "does not match MM/dd/yyyy"
    assert row["errors"][0]["value"] == "31.12.2026"


@pytest.mark.parametrize(
    "query", ["per_page=0", "per_page=1001", "page=-1", "page=0", "page=x", "per_page=1.5"]
)
def test_bad_paging_is_refused(
    live_server: LiveServer, client: Client, tmp_path: Path, query: str
) -> None:
    job = run(client, body(upload_text(client, tmp_path, LEADS), "Leads", MAPPINGS))
    answer = httpx.get(
        f"{live_server.base_url}/crm/bulk/v8/write/{job}/errors?{query}",
        headers=live_server.headers(),
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "INVALID_DATA"


def test_another_orgs_job_and_an_unknown_id_are_not_found(
    live_server: LiveServer, client: Client, tmp_path: Path
) -> None:
    job = run(client, body(upload_text(client, tmp_path, LEADS), "Leads", MAPPINGS))
    other = live_server.new_org("Elsewhere")
    for path in ("errors", "failed_rows"):
        for token, job_id in ((other.token, job), (live_server.token, "111111000000999999")):
            answer = httpx.get(
                f"{live_server.base_url}/crm/bulk/v8/write/{job_id}/{path}",
                headers=live_server.headers(token),
            )
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["code"] == "RESOURCE_NOT_FOUND"


def test_failed_rows_fixed_and_imported_again_with_the_jobs_own_mappings(
    live_server: LiveServer, client: Client, tmp_path: Path
) -> None:
    job = run(client, body(upload_text(client, tmp_path, LEADS), "Leads", MAPPINGS))
    answer = httpx.get(
        f"{live_server.base_url}/crm/bulk/v8/write/{job}/failed_rows",
        headers=live_server.headers(),
    )
    assert answer.headers["content-disposition"] == f'attachment; filename="{job}-failed.zip"'
    path = client.failed_rows(job, tmp_path / "failed.zip")
    with zipfile.ZipFile(path) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode()
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert header == [
        "Last_Name", "Company", "Email", "Notes", "Lead_Source",
        "ROW_NUMBER", "STATUS", "ERRORS", "ERROR_MESSAGES",
    ]  # fmt: skip
    assert [r[:5] for r in rows] == [
        ["", "Acme", "blank@example.com", "no name", ""],
        ["Doe", "Initech", "bob@", "bad email", "Nowhere"],
    ]
    assert [r[5:8] for r in rows] == [
        ["2", "SKIPPED", "MANDATORY_NOT_FOUND-Last_Name"],
        ["3", "SKIPPED", "INVALID_DATA-Email,Lead_Source"],
    ]
    assert "Email: not an email address" in rows[1][8]
    rows[0][0], rows[1][2], rows[1][4] = "Blank", "bob@example.com", "Web Download"
    fixed = io.StringIO()
    csv.writer(fixed).writerows([header, *rows])
    again = run(
        client,
        body(upload_text(client, tmp_path, fixed.getvalue(), "fixed.csv"), "Leads", MAPPINGS),
    )
    details = client.job(again)
    assert (details.counts.added, details.counts.skipped) == (2, 0)
    assert client.errors(again)["errors"] == []


@pytest.mark.slow
def test_the_cli_dry_run_errors_and_failed_rows(live_server: LiveServer, tmp_path: Path) -> None:
    write_text(tmp_path / "leads.csv", LEADS)
    ran = run_cli(
        "import", "leads.csv", "--module", "Leads", "--dry-run", cwd=tmp_path, server=live_server
    )
    assert ran.code == 1, ran.stderr  # rows skipped
    with Client(live_server.base_url, live_server.token) as client:
        assert client.records("Leads") == []
    ran = run_cli("import", "leads.csv", "--module", "Leads", cwd=tmp_path, server=live_server)
    found = re.search(r"job (\d+) COMPLETED", ran.stdout)
    assert found is not None, ran.stdout
    job_id = found.group(1)
    with Client(live_server.base_url, live_server.token) as client:
        assert len(client.records("Leads")) == 2
    shown = run_cli("jobs", "errors", job_id, cwd=tmp_path, server=live_server)
    assert shown.code == 0, shown.stderr
    assert "not an email address" in shown.stdout and "bob@" in shown.stdout
    as_json = run_cli("jobs", "errors", job_id, "--json", cwd=tmp_path, server=live_server)
    assert len(json.loads(as_json.stdout)["errors"]) == 2
    saved = run_cli("jobs", "failed-rows", job_id, "-o", "f.zip", cwd=tmp_path, server=live_server)
    assert saved.code == 0, saved.stderr
    assert zipfile.ZipFile(tmp_path / "f.zip").namelist()


def test_retry_runs_exactly_the_skipped_rows_again_as_a_linked_job(
    live_server: LiveServer, client: Client, tmp_path: Path
) -> None:
    contacts = (
        "Last_Name,Account_Name,Email\n"
        "Lee,Acme,lee@example.com\n"
        "Kim,,kim@example.com\n"
        "Park,Acme,park@example.com\n"
    )
    mappings = [
        {"api_name": "Last_Name", "index": 0},
        {"api_name": "Account_Name", "index": 1, "find_by": "Account_Name"},
        {"api_name": "Email", "index": 2},
    ]
    first = run(client, body(upload_text(client, tmp_path, contacts), "Contacts", mappings))
    assert client.job(first).counts.skipped == 2
    run(client, body(upload_text(client, tmp_path, "Account_Name\nAcme\n", "a.csv"), "Accounts"))
    retried = client.retry(first)
    details = client.wait(retried, timeout=120)
    assert details.status == "COMPLETED"
    assert details.raw["retry_of"] == first
    assert (details.counts.added, details.counts.skipped, details.counts.total) == (2, 0, 2)
    assert (
        details.raw["resource"][0]["field_mappings"]
        == client.job(first).raw["resource"][0]["field_mappings"]
    )
    rows = list(csv.DictReader(io.StringIO(client.result_csv(client.download_result(details)))))
    assert [r["Last_Name"] for r in rows] == ["Lee", "Park"]
    assert client.job(first).raw["retries"] == [retried]
    again = client.retry(first, rows=["SKIPPED"])
    assert client.job(first).raw["retries"] == [retried, again]
    emails = sorted(str(r.get("Email")) for r in client.records("Contacts"))
    assert emails == ["kim@example.com", "lee@example.com", "park@example.com"]


@pytest.mark.parametrize(
    "sent",
    [
        {"rows": ["ADDED"]},
        {"rows": []},
        {"rows": "SKIPPED"},
        {"rows": ["skipped"]},
        {"other": 1},
        [1],
    ],
)
def test_a_bad_retry_body_is_refused(
    live_server: LiveServer, client: Client, tmp_path: Path, sent: object
) -> None:
    job = run(client, body(upload_text(client, tmp_path, LEADS), "Leads", MAPPINGS))
    answer = httpx.post(
        f"{live_server.base_url}/crm/bulk/v8/write/{job}/actions/retry",
        headers=live_server.headers(),
        json=sent,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "INVALID_DATA"


def test_retry_of_another_orgs_job_an_unknown_one_or_without_write_scope(
    live_server: LiveServer, client: Client, tmp_path: Path
) -> None:
    job = run(client, body(upload_text(client, tmp_path, LEADS), "Leads", MAPPINGS))
    other = live_server.new_org("Retry Elsewhere")
    for token, job_id in ((other.token, job), (live_server.token, "111111000000999999")):
        answer = httpx.post(
            f"{live_server.base_url}/crm/bulk/v8/write/{job_id}/actions/retry",
            headers=live_server.headers(token),
        )
        assert answer.status_code == 404, answer.text
    reader = live_server.make_token(["ZohoCRM.bulk.READ", "ZohoCRM.modules.ALL"])
    answer = httpx.post(
        f"{live_server.base_url}/crm/bulk/v8/write/{job}/actions/retry",
        headers=live_server.headers(reader),
    )
    assert answer.status_code in (401, 403), answer.text
    assert answer.json()["code"] == "OAUTH_SCOPE_MISMATCH"


def test_the_cli_retries(live_server: LiveServer, client: Client, tmp_path: Path) -> None:
    job = run(client, body(upload_text(client, tmp_path, LEADS), "Leads", MAPPINGS))
    ran = run_cli("jobs", "retry", job, cwd=tmp_path, server=live_server)
    assert ran.code == 0, ran.stderr
    new = ran.stdout.strip()
    assert client.wait(new, timeout=120).raw["retry_of"] == job
