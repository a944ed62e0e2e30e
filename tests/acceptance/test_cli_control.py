"""``bulkwrite jobs list|watch|cancel`` as real processes (beyond-zoho.md sections 1-3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkwrite import Client, WriteJob
from tests.acceptance.clitools import run_cli
from tests.server import LiveServer, running

ROWS = "Deal_Name,Stage,Closing_Date\nOne,Qualification,12/31/2026\n"


def _job(server: LiveServer, wait: bool = True) -> str:
    with Client(server.base_url, server.token) as client:
        file_id = client.upload(ROWS.encode(), "deals.csv")
        job_id = client.create_job(WriteJob("Deals").body(file_id))
        if wait:
            client.wait(job_id, timeout=60)
    return job_id


def test_jobs_list_shows_the_newest_first_or_the_raw_json(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    job_id = _job(shared_server)
    ran = run_cli("jobs", "list", "--json", "--module", "Deals", cwd=tmp_path, server=shared_server)
    assert ran.code == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["jobs"][0]["id"] == job_id and answer["jobs"][0]["status"] == "COMPLETED"
    ran = run_cli("jobs", "list", "--status", "COMPLETED", cwd=tmp_path, server=shared_server)
    assert ran.code == 0 and job_id in ran.stdout
    ran = run_cli("jobs", "list", "--status", "DONE", cwd=tmp_path, server=shared_server)
    assert ran.code == 2 and "INVALID_DATA" in ran.stderr


def test_jobs_list_pages_by_the_token_it_prints(shared_server: LiveServer, tmp_path: Path) -> None:
    org = shared_server.new_org("CLI Pages Org")  # an org of its own: only these jobs
    with Client(shared_server.base_url, org.token) as client:
        file_id = client.upload(ROWS.encode(), "deals.csv")
        made = [client.create_job(WriteJob("Deals").body(file_id)) for _ in range(3)]

    def jobs_list(*args: str) -> tuple[int, str, str]:
        ran = run_cli("jobs", "list", *args, cwd=tmp_path, server=shared_server, token=org.token)
        return ran.code, ran.stdout, ran.stderr

    code, out, err = jobs_list("--limit", "2")
    assert code == 0, err
    assert made[2] in out and made[1] in out and made[0] not in out
    token = err.split("--page-token ")[1].split()[0]
    code, out, err = jobs_list("--limit", "2", "--page-token", token)
    assert code == 0, err
    assert made[0] in out and made[1] not in out and "--page-token" not in err
    code, out, err = jobs_list("--limit", "3", "--page-token", token)
    assert code == 2 and "INVALID_DATA" in err and "page_token" in err


def test_jobs_watch_follows_the_stream_to_the_end(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    job_id = _job(shared_server)
    ran = run_cli("jobs", "watch", job_id, cwd=tmp_path, server=shared_server)
    assert ran.code == 0, ran.stderr
    assert ran.stdout.strip() == f"job {job_id} COMPLETED"


@pytest.mark.slow
def test_jobs_cancel_stops_a_job_and_watch_says_so(tmp_path: Path) -> None:
    with running(tmp_path / "data", worker="false") as server:
        job_id = _job(server, wait=False)
        ran = run_cli("jobs", "cancel", job_id, cwd=tmp_path, server=server)
        assert ran.code == 0, ran.stderr
        assert ran.stdout.strip() == f"job {job_id}: The job is being cancelled."
        ran = run_cli("jobs", "watch", job_id, cwd=tmp_path, server=server)
        assert ran.code == 2 and ran.stdout.strip() == f"job {job_id} CANCELLED"
        ran = run_cli("jobs", "cancel", job_id, cwd=tmp_path, server=server)
        assert ran.code == 2 and "NOT_ALLOWED" in ran.stderr
