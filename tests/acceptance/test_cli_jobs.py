"""``bulkwrite jobs show|result`` as real processes, and the Python client they are built on."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bulkwrite import BulkWriteAPIError, Client, FieldMap, JobDetails, ServerUnreachable, WriteJob
from tests.acceptance.clitools import read_csv, run_cli, write_text
from tests.acceptance.helpers import RESULT_TAIL, is_record_id
from tests.server import LiveServer, free_port

ROWS = "Deal_Name,Stage,Closing_Date\nOne,Qualification,12/31/2026\nTwo,,12/31/2026\n"


@pytest.fixture(scope="module")
def finished(shared_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> JobDetails:
    """A COMPLETED Deals job with one row added and one skipped, made with the Python client."""
    source = write_text(tmp_path_factory.mktemp("jobs") / "two deals.csv", ROWS)
    polled: list[JobDetails] = []
    with Client(shared_server.base_url, shared_server.token) as client:
        file_id = client.upload_csv(source)
        job_id = client.create_job(WriteJob("Deals").body(file_id))
        details = client.wait(job_id, timeout=60, progress=polled.append)
    assert polled and polled[-1] == details, "progress sees every poll, the last one included"
    assert details.status == "COMPLETED" and details.done
    assert details.counts.added == 1 and details.counts.skipped == 1 and details.counts.total == 2
    assert details.module == "Deals" and details.operation == "insert"
    assert details.file_name == "two deals.csv"
    return details


def test_jobs_show_prints_a_table_or_the_raw_json(
    shared_server: LiveServer, finished: JobDetails, tmp_path: Path
) -> None:
    ran = run_cli("jobs", "show", finished.id, cwd=tmp_path, server=shared_server)
    assert ran.code == 0, ran.stderr
    table = {cells[0]: cells[1] for cells in ran.table_rows(2)}
    assert table["Status"] == "COMPLETED"
    assert (table["Module"], table["Operation"], table["File"]) == (
        "Deals",
        "insert",
        "two deals.csv",
    )
    assert (table["Rows"], table["Added"], table["Skipped"], table["Updated"]) == (
        "2",
        "1",
        "1",
        "0",
    )
    assert "0->Deal_Name" in table["Mappings"]

    ran = run_cli("jobs", "show", finished.id, "--json", cwd=tmp_path, server=shared_server)
    assert ran.code == 0, ran.stderr
    assert json.loads(ran.stdout) == finished.raw


def test_jobs_result_saves_the_zip_or_the_csv(
    shared_server: LiveServer, finished: JobDetails, tmp_path: Path
) -> None:
    ran = run_cli("jobs", "result", finished.id, cwd=tmp_path, server=shared_server)
    assert ran.code == 0, ran.stderr
    saved_zip = tmp_path / f"{finished.id}.zip"
    assert ran.stdout.strip() == saved_zip.name
    with zipfile.ZipFile(saved_zip) as archive:
        assert archive.namelist() == ["Deals-two deals.csv"]

    ran = run_cli(
        "jobs", "result", finished.id, "-o", "sub/r.csv", cwd=tmp_path, server=shared_server
    )
    assert ran.code == 0, ran.stderr
    header, rows = read_csv(tmp_path / "sub" / "r.csv")
    assert header == ["Deal_Name", "Stage", "Closing_Date", *RESULT_TAIL]
    assert [(r[0], r[3], r[5]) for r in rows] == [
        ("One", "ADDED", ""),
        ("Two", "SKIPPED", "MANDATORY_NOT_FOUND-Stage"),
    ]
    with Client(shared_server.base_url, shared_server.token) as client:
        assert (tmp_path / "sub" / "r.csv").read_bytes().decode() == Client.result_csv(
            client.download_result(finished)
        )


@pytest.mark.parametrize("command", ["show", "result"])
def test_an_unknown_job_is_one_line(
    shared_server: LiveServer, tmp_path: Path, command: str
) -> None:
    ran = run_cli("jobs", command, "111111000000000001", cwd=tmp_path, server=shared_server)
    assert (
        ran.one_error_line() == "error: RESOURCE_NOT_FOUND: The requested resource doesn't exist."
    )


def test_client_errors_carry_code_message_details_and_http_status(
    shared_server: LiveServer,
) -> None:
    with (
        Client(shared_server.base_url, "1000.not-a-token") as client,
        pytest.raises(BulkWriteAPIError) as rejected,
    ):
        client.job("111111000000000001")
    assert (rejected.value.code, rejected.value.message) == ("INVALID_TOKEN", "invalid oauth token")
    assert rejected.value.http_status == rejected.value.status == 401

    with Client(shared_server.base_url, shared_server.token) as client:
        file_id = client.upload(ROWS.encode(), "deals.csv")
        job = WriteJob(
            "Deals", mappings=[FieldMap("Deal_Name", index=0), FieldMap("Nope", index=1)]
        )
        with pytest.raises(BulkWriteAPIError) as invalid:
            client.create_job(job.body(file_id))
    assert invalid.value.code == "INVALID_FIELD" and invalid.value.http_status == 400
    assert invalid.value.details["api_name"] == "Nope"

    url = f"http://127.0.0.1:{free_port()}"
    with Client(url, "1000.x") as client, pytest.raises(ServerUnreachable) as down:
        client.job("1")
    assert str(down.value) == f"cannot reach server at {url} (connection failed)"


def test_client_saves_results_streaming(
    shared_server: LiveServer, finished: JobDetails, tmp_path: Path
) -> None:
    with Client(shared_server.base_url, shared_server.token) as client:
        as_zip = client.save_result(finished, tmp_path / "r.zip")
        as_csv = client.save_result(finished, tmp_path / "r.csv")
        ids = [row[4] for row in read_csv(as_csv)[1]]
        record = client.record("Deals", ids[0])
    assert zipfile.is_zipfile(as_zip)
    assert is_record_id(ids[0]) and ids[1] == ""
    assert (record["Deal_Name"], record["Closing_Date"]) == ("One", "2026-12-31")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.zip"], "no temp files left"
