"""The Python client's pure parts: the job-details document, request bodies, error envelopes."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkwrite.client import (
    BulkWriteAPIError,
    Client,
    Counts,
    FieldMap,
    JobDetails,
    JobError,
    WriteJob,
    zip_csv,
)

# The example of contract section 6.
COMPLETED: dict[str, Any] = {
    "status": "COMPLETED",
    "character_encoding": "UTF-8",
    "id": "111111000000541958",
    "operation": "insert",
    "ignore_empty": False,
    "created_by": {"id": "111111000000035795", "name": "Patricia Boyle"},
    "created_time": "2026-11-28T12:00:00+00:00",
    "resource": [
        {
            "status": "COMPLETED",
            "code": "COMPLETED",
            "type": "data",
            "module": {"api_name": "Deals", "id": "111111000000002181"},
            "field_mappings": [],
            "file": {
                "status": "COMPLETED",
                "name": "Deals.csv",
                "added_count": 950,
                "skipped_count": 50,
                "updated_count": 0,
                "total_count": 1000,
            },
        }
    ],
    "result": {"download_url": "http://127.0.0.1:8000/v2/crm/1/bulk-write/2/2.zip"},
}


def test_job_details_of_a_completed_job() -> None:
    details = JobDetails(COMPLETED)
    assert (details.id, details.status, details.done) == ("111111000000541958", "COMPLETED", True)
    assert details.counts == Counts(added=950, updated=0, skipped=50, total=1000)
    assert details.count("skipped") == 50
    assert (details.module, details.operation, details.file_name) == (
        "Deals",
        "insert",
        "Deals.csv",
    )
    assert details.download_url == "http://127.0.0.1:8000/v2/crm/1/bulk-write/2/2.zip"
    assert details.error is None


def test_job_details_while_added_in_progress_and_failed() -> None:
    added = JobDetails(
        {
            "status": "ADDED",
            "id": "1",
            "resource": [{"module": "Deals", "file": {"status": "INPROGRESS", "name": "d.csv"}}],
        }
    )
    assert (added.done, added.counts, added.download_url) == (False, Counts(), None)
    assert added.module == "Deals", "v2 answers the module as a plain string"
    assert JobDetails({"status": "IN PROGRESS", "id": "1"}).status == "INPROGRESS"
    failed = JobDetails(
        {
            "status": "FAILED",
            "id": "1",
            "resource": [{"error": {"code": "INVALID_DATA", "message": "bad bytes"}}],
        }
    )
    assert failed.done and failed.error == JobError("INVALID_DATA", "bad bytes")


def test_write_job_bodies() -> None:
    assert WriteJob("Deals").body("42") == {
        "operation": "insert",
        "resource": [
            {
                "type": "data",
                "module": {"api_name": "Deals"},
                "file_id": "42",
                "ignore_empty": False,
            }
        ],
    }
    body = WriteJob(
        "Contacts",
        operation="upsert",
        find_by="Email",
        mappings=[
            FieldMap("Email", index=0),
            FieldMap("Date_of_Birth", index=1, format="dd.MM.yyyy"),
            FieldMap("Account_Name", index=2, find_by="Account_Name"),
            FieldMap("Lead_Source", default="Trade Show"),
        ],
        ignore_empty=True,
        encoding="windows-1252",
        callback_url="http://hooks.test/done",
    ).body("7")
    assert body["character_encoding"] == "windows-1252"
    assert body["callback"] == {"url": "http://hooks.test/done", "method": "post"}
    (resource,) = body["resource"]
    assert (resource["find_by"], resource["ignore_empty"]) == ("Email", True)
    assert resource["field_mappings"] == [
        {"api_name": "Email", "index": 0},
        {"api_name": "Date_of_Birth", "index": 1, "format": "dd.MM.yyyy"},
        {"api_name": "Account_Name", "index": 2, "find_by": "Account_Name"},
        {"api_name": "Lead_Source", "default_value": {"value": "Trade Show"}},
    ]


def test_error_envelopes_become_errors_with_code_message_details_and_status() -> None:
    envelope = {
        "code": "INVALID_DATA",
        "details": {"api_name": "find_by", "json_path": "$.resource[0].find_by"},
        "message": "find_by must be a unique field.",
        "status": "error",
    }
    with pytest.raises(BulkWriteAPIError) as caught:
        Client._json(httpx.Response(400, json=envelope))
    error = caught.value
    assert (error.code, error.message, error.http_status) == (
        "INVALID_DATA",
        "find_by must be a unique field.",
        400,
    )
    assert error.details == envelope["details"]
    assert str(error) == "INVALID_DATA: find_by must be a unique field."


def test_an_answer_that_is_not_json_is_an_error_too() -> None:
    with pytest.raises(BulkWriteAPIError) as caught:
        Client._json(httpx.Response(502, text="<html><body>Bad Gateway</body></html>"))
    assert (caught.value.code, caught.value.status) == ("INVALID_RESPONSE", 502)
    assert "Bad Gateway" in caught.value.message
    assert Client._json(httpx.Response(200, json={"status": "success"})) == {"status": "success"}


def test_zip_csv_streams_one_deflated_entry(tmp_path: Path) -> None:
    source = tmp_path / "big deals.csv"
    source.write_bytes(b"Deal_Name\n" + b"".join(b"deal %d\n" % i for i in range(200_000)))
    packed = io.BytesIO()
    zip_csv(source, packed)
    assert packed.tell() < source.stat().st_size / 3
    with zipfile.ZipFile(packed) as archive:
        (info,) = archive.infolist()
        assert (info.filename, info.compress_type) == ("big deals.csv", zipfile.ZIP_DEFLATED)
        assert archive.read(info) == source.read_bytes()
    assert Client.result_csv(packed.getvalue()).startswith("Deal_Name\ndeal 0\n")


def test_importing_bulkwrite_builds_nothing() -> None:
    code = (
        "import sys, bulkwrite\n"
        "assert 'httpx' not in sys.modules and 'bulkwrite.client' not in sys.modules\n"
        "from bulkwrite import Client, BulkWriteAPIError\n"
        "assert Client.__module__ == 'bulkwrite.client'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
