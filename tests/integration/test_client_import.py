"""``Client.import_csv`` against a real server: one call to a saved result; a create whose
answer is lost is sent again with the same Idempotency-Key and makes one job; 502/503/504 and
dropped connections while waiting are retried; an outage past the patience names the job.

The faults are real ones on the wire: a transport that hands each request to httpx's own
(so the server really gets and commits it) and then drops or replaces the answer.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bulkwrite.client import Client, FieldMap, ImportSettings, JobUnreachable
from tests.server import LiveServer

LEADS = "Last_Name,Company,Email\nDoe,Acme,doe@example.com\nRoe,Initech,not-an-email\n"

Fault = Callable[[httpx.Request, int], httpx.Response | None]


class FaultyTransport(httpx.BaseTransport):
    """httpx's transport, with ``fault(request, n)`` (n: how many requests of that method and
    path came before) deciding after the real exchange whether the client sees it: None for
    the real answer; else the fault's answer, or the exception it raises."""

    def __init__(self, fault: Fault) -> None:
        self.inner = httpx.HTTPTransport()
        self.fault = fault
        self.seen: dict[tuple[str, str], int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        place = (request.method, request.url.path)
        count = self.seen.get(place, 0)
        self.seen[place] = count + 1
        response = self.inner.handle_request(request)
        response.read()
        replaced = self.fault(request, count)
        return response if replaced is None else replaced

    def close(self) -> None:
        self.inner.close()


def is_create(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/write")


def is_details(request: httpx.Request) -> bool:
    return request.method == "GET" and "/write/" in request.url.path


def jobs_in_store(server: LiveServer) -> int:
    with server.services.store.transaction(write=False) as tx:
        row = tx.conn.execute("SELECT count(*) FROM jobs", {}).fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def test_import_csv_in_one_call(live_server: LiveServer, tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    created: list[str] = []
    polled: list[str] = []
    settings = ImportSettings(
        result_path=tmp_path / "out" / "leads.result.csv",
        on_created=created.append,
        progress=lambda details: polled.append(details.status),
    )
    mappings = [FieldMap("Last_Name", 0), FieldMap("Company", 1), FieldMap("Email", 2)]
    with Client(live_server.base_url, live_server.token) as client:
        done = client.import_csv(source, "Leads", mappings=mappings, settings=settings)
    assert done.details.status == "COMPLETED"
    assert (done.details.counts.added, done.details.counts.skipped) == (1, 1)
    assert created == [done.job_id] and polled[-1] == "COMPLETED"
    assert done.download_url and done.download_url.endswith(f"{done.job_id}.zip")
    assert done.result_path == settings.result_path
    with done.result_path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [r["STATUS"] for r in rows] == ["ADDED", "SKIPPED"]


def test_a_create_whose_answer_was_lost_makes_one_job(
    live_server: LiveServer, tmp_path: Path
) -> None:
    def drop_first_create(request: httpx.Request, count: int) -> httpx.Response | None:
        if is_create(request) and count == 0:  # the server committed the job; the answer is lost
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        return None

    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    retried: list[str] = []
    transport = FaultyTransport(drop_first_create)
    settings = ImportSettings(on_retry=lambda job, error, pause: retried.append(str(error)))
    with Client(live_server.base_url, live_server.token, transport=transport) as client:
        done = client.import_csv(source, "Leads", settings=settings)
    assert done.details.status == "COMPLETED"
    assert transport.seen[("POST", "/crm/bulk/v8/write")] == 2 and len(retried) == 1
    assert jobs_in_store(live_server) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_while_waiting_are_retried(
    live_server: LiveServer, tmp_path: Path, status: int
) -> None:
    def gateway(request: httpx.Request, count: int) -> httpx.Response | None:
        if is_details(request) and count < 3:
            return httpx.Response(status, text="<html>Bad Gateway</html>")
        return None

    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    retried: list[BaseException] = []
    settings = ImportSettings(on_retry=lambda job, error, pause: retried.append(error))
    with Client(live_server.base_url, live_server.token, transport=FaultyTransport(gateway)) as c:
        done = c.import_csv(source, "Leads", settings=settings)
    assert done.details.status == "COMPLETED"
    assert len(retried) == 3


def test_an_outage_past_the_patience_says_so_and_names_the_job(
    live_server: LiveServer, tmp_path: Path
) -> None:
    def down(request: httpx.Request, count: int) -> httpx.Response | None:
        if is_details(request):
            raise httpx.ConnectError("connection refused", request=request)
        return None

    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    created: list[str] = []
    settings = ImportSettings(patience=1.0, on_created=created.append)
    with (
        Client(live_server.base_url, live_server.token, transport=FaultyTransport(down)) as client,
        pytest.raises(JobUnreachable) as caught,
    ):
        client.import_csv(source, "Leads", settings=settings)
    (job_id,) = created
    assert caught.value.job_id == job_id
    assert str(caught.value) == (
        f"lost the server at {live_server.base_url} while waiting for job {job_id} "
        f"(connection failed); the job goes on on the server: bulkwrite jobs show {job_id}"
    )


def test_a_refused_create_is_not_retried(live_server: LiveServer, tmp_path: Path) -> None:
    from bulkwrite.client import BulkWriteAPIError

    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    transport = FaultyTransport(lambda request, count: None)
    with (
        Client(live_server.base_url, live_server.token, transport=transport) as client,
        pytest.raises(BulkWriteAPIError) as caught,
    ):
        client.import_csv(source, "Leads", "update", find_by="Nope")
    assert caught.value.status == 400
    assert transport.seen[("POST", "/crm/bulk/v8/write")] == 1


def test_idempotency_key_on_upload_and_create(live_server: LiveServer) -> None:
    with Client(live_server.base_url, live_server.token) as client:
        first = client.upload(LEADS.encode(), "a.csv", idempotency_key="up-1")
        assert client.upload(LEADS.encode(), "a.csv", idempotency_key="up-1") == first
        body = {
            "operation": "insert",
            "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": first}],
        }
        job = client.create_job(body, idempotency_key="job-1")
        assert client.create_job(body, idempotency_key="job-1") == job
        assert client.create_job(body) != job  # without a key: another job
    assert jobs_in_store(live_server) == 2
