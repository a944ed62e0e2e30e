"""``bulkwrite import`` prints its job id at once, waits out a server that is SIGKILLed and
restarted mid-job (the embedded worker resumes the job) and reports the final counts;
``--json`` prints the final details; an outage past ``--reattach-seconds`` names the job."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.acceptance.clitools import cli_env, run_cli, write_text
from tests.server import LiveServer, make_server

ROWS = 120_000
CREATED = re.compile(r"^job (\d{18,19}) created$", re.MULTILINE)


def leads_file(path: Path, rows: int) -> Path:
    with path.open("w") as out:
        out.write("Last_Name,First_Name,Company,Email\n")
        for i in range(rows):
            out.write(f"Name{i},First{i},Company {i % 97},user{i}@example.com\n")
    return path


def rows_done(server: LiveServer, job_id: str) -> tuple[str, int]:
    response = httpx.get(
        f"{server.base_url}/crm/bulk/v8/write/{job_id}", headers=server.headers(), timeout=10
    )
    body = response.json()
    return body["status"], int(body["resource"][0]["file"].get("total_count") or 0)


@pytest.mark.slow
def test_import_reattaches_after_the_server_is_killed_and_restarted(tmp_path: Path) -> None:
    server = make_server(tmp_path / "data", chunk_size="2000")
    server.start()
    leads_file(tmp_path / "big.csv", ROWS)
    cli = subprocess.Popen(
        [sys.executable, "-m", "bulkwrite", "import", "big.csv", "-m", "Leads", "-q"],
        cwd=tmp_path,
        env=cli_env(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert cli.stderr is not None
        first = cli.stderr.readline()  # printed as soon as the job exists
        match = CREATED.match(first.strip())
        assert match, first
        job_id = match.group(1)
        deadline = time.monotonic() + 120
        status, done = rows_done(server, job_id)
        while status in ("ADDED", "INPROGRESS") and done == 0:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)  # polling the server for a real condition
            status, done = rows_done(server, job_id)
        assert status == "INPROGRESS", "the job ended before it could be killed"
        server.kill()
        server.start()  # the same port: the CLI re-attaches
        out, err = cli.communicate(timeout=300)
    finally:
        if cli.poll() is None:
            cli.kill()
        server.stop()
    assert cli.returncode == 0, (out, err)
    assert "connection lost (" in err and f"re-attached to job {job_id}" in err, err
    assert out.strip() == (
        f"big.csv: job {job_id} COMPLETED, {ROWS:,} rows: {ROWS:,} added, 0 updated, 0 skipped; "
        "result: big.result.csv"
    )
    assert sum(1 for _ in (tmp_path / "big.result.csv").open()) == ROWS + 1


def test_import_json_prints_the_final_details(shared_server: LiveServer, tmp_path: Path) -> None:
    write_text(tmp_path / "d.csv", "Deal_Name,Stage,Closing_Date\nX,Qualification,12/31/2026\n")
    ran = run_cli("import", "d.csv", "-m", "Deals", "--json", cwd=tmp_path, server=shared_server)
    assert ran.code == 0, ran.stderr
    document = json.loads(ran.stdout)
    match = CREATED.search(ran.stderr)
    assert match and document["id"] == match.group(1)
    assert document["status"] == "COMPLETED"
    assert document["resource"][0]["file"]["added_count"] == 1
    assert document["result_file"] == "d.result.csv"
    assert document["result"]["download_url"].endswith(f"{document['id']}.zip")


def test_an_outage_past_the_patience_names_the_job(tmp_path: Path) -> None:
    server = make_server(tmp_path / "data", chunk_size="2000")
    server.start()
    leads_file(tmp_path / "big.csv", ROWS)
    cli = subprocess.Popen(
        [
            sys.executable, "-m", "bulkwrite", "import", "big.csv", "-m", "Leads", "-q",
            "--reattach-seconds", "1",
        ],
        cwd=tmp_path, env=cli_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert cli.stderr is not None
        match = CREATED.match(cli.stderr.readline().strip())
        assert match
        job_id = match.group(1)
        server.kill()
        out, err = cli.communicate(timeout=120)
    finally:
        if cli.poll() is None:
            cli.kill()
        server.stop()
    assert cli.returncode == 2, (out, err)
    last = err.strip().splitlines()[-1]
    assert last == (
        f"error: lost the server at {server.base_url} while waiting for job {job_id} "
        f"(connection failed); the job goes on on the server: bulkwrite jobs show {job_id}"
    ), err
