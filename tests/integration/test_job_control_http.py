"""Job control over real HTTP (beyond-zoho.md sections 1-3): list jobs, events, cancel."""

from __future__ import annotations

import pytest

from tests.integration.helpers import (
    WRITE,
    assert_error,
    client,
    create_ok,
    job_body,
    upload_ok,
    wait_done,
)
from tests.server import LiveServer


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


def test_list_jobs_takes_the_read_scope(shared_server: LiveServer) -> None:
    token = shared_server.make_token(["ZohoCRM.modules.ALL"])
    with client(shared_server, token) as http:
        assert_error(http.get(WRITE), 401, "OAUTH_SCOPE_MISMATCH")
