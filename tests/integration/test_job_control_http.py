"""Job control over real HTTP (beyond-zoho.md sections 1-3): list jobs, events, cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import pytest

from bulkwrite.client import Client
from bulkwrite.services.run.runner import run_job
from tests.integration.helpers import (
    LEADS_MAPPINGS,
    WRITE,
    assert_error,
    client,
    create_ok,
    job_body,
    upload_ok,
    wait_done,
)
from tests.pg import TestDatabases
from tests.server import LiveServer, make_server, running


def test_list_jobs_answers_the_org_s_jobs_newest_first(shared_server: LiveServer) -> None:
    file_id = upload_ok(shared_server)
    ids = [create_ok(shared_server, job_body(file_id)) for _ in range(3)]
    for job_id in ids:
        wait_done(shared_server, job_id)
    with client(shared_server) as http:
        response = http.get(WRITE, params={"per_page": "2", "status": "COMPLETED"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [job["id"] for job in body["jobs"]] == [ids[2], ids[1]]
    assert body["info"]["more_records"] is True and body["info"]["count"] == 2
    job = body["jobs"][0]
    assert job["status"] == "COMPLETED" and job["progress"]["rows_total"] == 2
    assert job["result"]["download_url"].startswith(shared_server.base_url)
    other = shared_server.new_org()
    with client(shared_server, other.token) as http:
        assert http.get(WRITE).json()["jobs"] == []


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("page=-1", "page"),
        ("status=DONE", "status"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_list_parameter_is_400_naming_it(
    shared_server: LiveServer, query: str, name: str
) -> None:
    with client(shared_server) as http:
        response = http.get(f"{WRITE}?{query}")
    assert_error(response, 400, "INVALID_DATA", {"api_name": name, "json_path": name})


def test_the_client_pages_by_token_and_an_altered_token_is_400_naming_it(
    shared_server: LiveServer,
) -> None:
    org = shared_server.new_org("Job Pages Org")  # an org of its own: only this test's jobs
    with Client(shared_server.base_url, org.token) as api:
        file_id = upload_ok(shared_server, token=org.token)
        made = [api.create_job(job_body(file_id)) for _ in range(3)]
        first, info = api.list_jobs(module="Leads", per_page=2)
        token = info["next_page_token"]
        second, last = api.list_jobs(module="Leads", per_page=2, page_token=token)
    assert [j.id for j in first + second] == made[::-1]
    assert last["page"] == 2 and last["more_records"] is False
    envelope = {"api_name": "page_token", "json_path": "page_token"}
    with client(shared_server, org.token) as http:
        for bad, query in (
            (("f" if token[0] != "f" else "g") + token[1:], {"module": "Leads", "per_page": "2"}),
            (token, {"module": "Leads", "per_page": "3"}),
            (token, {"module": "Contacts", "per_page": "2"}),
            ("MjoxMTExMTEwMDAwMDAxMDAxMzA", {"module": "Leads", "per_page": "2"}),
        ):
            response = http.get(WRITE, params={**query, "page_token": bad})
            assert_error(response, 400, "INVALID_DATA", envelope)
        again = http.get(WRITE, params={"module": "leads", "per_page": "2", "page_token": token})
        assert again.status_code == 200, again.text  # the same org and query: the page again
        assert [j["id"] for j in again.json()["jobs"]] == [made[0]]
    with client(shared_server) as http:  # another org's token
        response = http.get(WRITE, params={"module": "Leads", "per_page": "2", "page_token": token})
        assert_error(response, 400, "INVALID_DATA", envelope)


def test_list_jobs_takes_the_read_scope(shared_server: LiveServer) -> None:
    token = shared_server.make_token(["ZohoCRM.modules.ALL"])
    with client(shared_server, token) as http:
        assert_error(http.get(WRITE), 401, "OAUTH_SCOPE_MISMATCH")


LEADS_HEADER = "Last_Name,Company\n"


def _leads(rows: int) -> bytes:
    return (LEADS_HEADER + "".join(f"L{n},Co{n}\n" for n in range(rows))).encode()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The server's store settings: a SQLite file (polled by event streams) or a fresh
    PostgreSQL database (announcing changes: LISTEN/NOTIFY)."""
    if request.param == "sqlite":
        yield {}
        return
    databases: TestDatabases = request.getfixturevalue("cluster_databases")
    name, url = databases.copy_of_template()
    try:
        yield {"database_url": url}
    finally:
        databases.release(name)


def test_the_events_stream_follows_a_job_another_process_runs(
    tmp_path: Path, store_url: dict[str, str]
) -> None:
    """The API process runs no worker: the job runs in this test's process, on the same store,
    and the stream still shows each committed chunk, then ``end``."""
    (tmp_path / "data").mkdir()
    with running(tmp_path / "data", worker="false", chunk_size="100", **store_url) as server:
        file_id = upload_ok(server, _leads(1000))
        job_id = create_ok(server, job_body(file_id, mappings=LEADS_MAPPINGS[:2]))
        with Client(server.base_url, server.token) as api:
            stream = api.events(job_id)
            first = next(stream)
            assert first.status == "ADDED" and first.raw["progress"]["rows_done"] == 0
            runner = threading.Thread(target=run_job, args=(server.services, job_id))
            started = time.monotonic()
            runner.start()
            rest = list(stream)
            took = time.monotonic() - started
            runner.join()
    assert rest and rest[-1].status == "COMPLETED", [d.status for d in rest]
    done = [d.raw["progress"]["rows_done"] for d in rest]
    assert done == sorted(done) and done[-1] == 1000
    assert rest[-1].raw["progress"]["percent"] == 100.0
    assert len(rest) <= 4 * took + 2  # at most 4 a second


def test_the_events_stream_is_text_event_stream_with_an_end_event(
    shared_server: LiveServer,
) -> None:
    job_id = create_ok(shared_server, job_body(upload_ok(shared_server)))
    wait_done(shared_server, job_id)
    with client(shared_server) as http:
        response = http.get(f"{WRITE}/{job_id}/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    names = [line for line in response.text.splitlines() if line.startswith("event:")]
    assert names == ["event: details", "event: end"]


def test_the_events_of_another_orgs_job_or_an_unknown_one_are_not_found(
    shared_server: LiveServer,
) -> None:
    job_id = create_ok(shared_server, job_body(upload_ok(shared_server)))
    other = shared_server.new_org("Events Other Org")
    with client(shared_server, other.token) as http:
        assert_error(http.get(f"{WRITE}/{job_id}/events"), 404, "RESOURCE_NOT_FOUND")
    with client(shared_server) as http:
        assert_error(http.get(f"{WRITE}/111111000000000042/events"), 404, "RESOURCE_NOT_FOUND")


def _established(process: psutil.Process) -> int:
    return sum(1 for c in process.net_connections("tcp") if c.status == psutil.CONN_ESTABLISHED)


def _backends(url: str) -> int:
    """The sessions open on the database of ``url`` (the server's, on PostgreSQL)."""
    if not url:
        return 0
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.slow
def test_200_dropped_streams_leave_nothing_behind(
    tmp_path: Path, store_url: dict[str, str]
) -> None:
    url = store_url.get("database_url", "")
    (tmp_path / "data").mkdir()
    with running(tmp_path / "data", worker="false", **store_url) as server:
        job_id = create_ok(server, job_body(upload_ok(server)))  # stays ADDED: no worker
        assert server.process is not None
        process = psutil.Process(server.process.pid)
        # warm up: the first stream loads what streams need
        with client(server) as http, http.stream("GET", f"{WRITE}/{job_id}/events") as answer:
            next(answer.iter_lines())
        before = (process.memory_info().rss, process.num_threads(), _established(process))
        sessions = _backends(url)  # PostgreSQL: the pool's and the one listening connection
        for _ in range(200):
            with client(server) as http, http.stream("GET", f"{WRITE}/{job_id}/events") as answer:
                assert next(answer.iter_lines()) == "event: details"
        deadline = time.monotonic() + 20
        while _established(process) > before[2] and time.monotonic() < deadline:
            time.sleep(0.1)  # the server notices each close at its next poll
        assert _established(process) <= before[2]
        assert process.num_threads() <= before[1] + 2
        assert process.memory_info().rss - before[0] < 20 * 1024 * 1024
        assert _backends(url) <= sessions
        assert "Traceback" not in server.server_log()


def wait_done_or_cancelled(server: LiveServer, job_id: str) -> dict[str, Any]:
    with Client(server.base_url, server.token) as api:
        return api.wait(job_id, timeout=120).raw


def _cancel(server: LiveServer, job_id: str, token: str | None = None) -> httpx.Response:
    with client(server, token) as http:
        return http.post(f"{WRITE}/{job_id}/actions/cancel")


def test_cancel_of_an_ended_unknown_or_another_orgs_job(shared_server: LiveServer) -> None:
    job_id = create_ok(shared_server, job_body(upload_ok(shared_server)))
    wait_done(shared_server, job_id)
    assert_error(
        _cancel(shared_server, job_id), 400, "NOT_ALLOWED", message="The job has already ended."
    )
    assert_error(_cancel(shared_server, "111111000000000042"), 404, "RESOURCE_NOT_FOUND")
    assert_error(_cancel(shared_server, "not-an-id"), 404, "RESOURCE_NOT_FOUND")
    other = shared_server.new_org("Cancel Other Org")
    assert_error(_cancel(shared_server, job_id, other.token), 404, "RESOURCE_NOT_FOUND")
    reader = shared_server.make_token(["ZohoCRM.bulk.READ", "ZohoCRM.modules.ALL"])
    assert_error(_cancel(shared_server, job_id, reader), 401, "OAUTH_SCOPE_MISMATCH")


def test_an_added_job_is_cancelled_at_once_and_its_result_downloads(tmp_path: Path) -> None:
    with running(tmp_path / "data", worker="false") as server:
        job_id = create_ok(server, job_body(upload_ok(server)))
        response = _cancel(server, job_id)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "status": "success",
            "code": "SUCCESS",
            "message": "The job is being cancelled.",
            "details": {"id": job_id},
        }
        with Client(server.base_url, server.token) as api:
            details = api.job(job_id)
            assert details.status == "CANCELLED" and details.done
            result = Client.result_csv(api.download_result(details))
        assert [line.split(",")[-3] for line in result.splitlines()[1:]] == ["UNPROCESSED"] * 2


def test_a_cancel_accepted_before_a_sigkill_is_honoured_after_the_restart(
    tmp_path: Path,
) -> None:
    server = make_server(tmp_path / "data", chunk_size="50", convert_process="false")
    server.start()
    try:
        file_id = upload_ok(server, _leads(20000))
        job_id = create_ok(server, job_body(file_id, mappings=LEADS_MAPPINGS[:2]))
        with Client(server.base_url, server.token) as api:
            api.wait_for(job_id, lambda d: d.raw["progress"]["rows_done"] > 0, timeout=60)
            api.cancel(job_id)
        server.kill()  # right after the 200: the runner may not have seen the flag yet
        server.start()
        body = wait_done_or_cancelled(server, job_id)
    finally:
        server.stop()
    assert body["status"] == "CANCELLED"
    done = body["progress"]["rows_done"]
    assert 0 < done < 20000 and body["resource"][0]["file"]["total_count"] == done
