"""A job of several resources over real HTTP (contract section 12): a Deals + line items zip
through ``bulkwrite serve``; and a SIGKILL of the server in the middle of the child resource,
after which the restarted server writes every row exactly once."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkwrite.client import Client
from tests.contract.children import ITEMS, add_children_to, table, two_resources, zipped
from tests.pg import TestDatabases
from tests.server import LiveServer, make_server


def _products(client: Client) -> None:
    text = table(["Product_Name", "Unit_Price"], ["Widget", "5"], ["Gadget", "7.5"])
    file_id = client.upload(text.encode(), "products.csv")
    body = {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Products"}, "file_id": file_id}],
    }
    assert client.wait(client.create_job(body)).status == "COMPLETED"


def _server(tmp_path: Path, **settings: str) -> LiveServer:
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)  # PostgreSQL makes no file there
    server = make_server(tmp_path / "data", **settings)
    assert server.demo is not None
    add_children_to(server.services, server.demo.org.id)
    return server


def _results(zip_bytes: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {
            n: list(csv.DictReader(io.StringIO(archive.read(n).decode(), newline="")))
            for n in archive.namelist()
        }


def _upload_zip(server: LiveServer, data: bytes) -> str:
    response = httpx.post(
        f"{server.base_url}/crm/v8/upload",
        headers={**server.headers(), "feature": "bulk-write", "X-CRM-ORG": server.zgid},
        files={"file": ("job.zip", data)},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["details"]["file_id"])


def _create(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.base_url}/crm/bulk/v8/write", headers=server.headers(), json=body)


def test_a_two_resource_job_over_http(tmp_path: Path) -> None:
    server = _server(tmp_path)
    server.start()
    try:
        with Client(server.base_url, server.token) as client:
            _products(client)
            deals = table(
                ["Ref", "Deal_Name", "Stage", "Closing_Date"],
                ["D1", "Alpha", "Qualification", "01/15/2027"],
                ["D2", "Beta", "Qualification", "01/16/2027"],
            )
            items = table(
                ["Deal_Ref", "Product", "Qty", "Price"],
                ["D1", "Widget", "2", "10"],
                ["D3", "Widget", "1", ""],
            )
            file_id = _upload_zip(server, zipped({"deals.csv": deals, "items.csv": items}))
            bad = two_resources(file_id)
            bad["resource"][1]["file_names"] = ["missing.csv"]
            refused = _create(server, bad)
            assert refused.status_code == 400
            assert refused.json()["details"]["json_path"] == "$.resource[1].file_names"
            created = _create(server, two_resources(file_id))
            assert created.status_code == 201, created.text
            details = client.wait(created.json()["details"]["id"])
            assert details.status == "COMPLETED"
            parent, child = details.resources
            assert parent["file"]["added_count"] == 2
            assert (
                child["status"],
                child["file"]["added_count"],
                child["file"]["skipped_count"],
            ) == (
                "COMPLETED",
                1,
                1,
            )
            csvs = _results(client.download_result(details))
            texts = Client.result_csvs(client.download_result(details))
    finally:
        server.stop()
    assert list(texts) == list(csvs) == ["Deals-deals.csv", f"{ITEMS}-items.csv"]
    assert texts[f"{ITEMS}-items.csv"].startswith(
        "Deal_Ref,Product,Qty,STATUS,RECORD_ID,ERRORS\r\n"
    )
    assert [r["ERRORS"] for r in csvs[f"{ITEMS}-items.csv"]] == ["", "RESOURCE_NOT_FOUND-Deal_Ref"]


DEALS_N, PER_DEAL = 3000, 20


def _big_zip() -> bytes:
    deals = [["Ref", "Deal_Name", "Stage", "Closing_Date"]]
    deals += [[f"D{i}", f"Deal {i}", "Qualification", "01/15/2027"] for i in range(DEALS_N)]
    items = [["Deal_Ref", "Product", "Qty", "Price"]]
    items += [[f"D{i}", "Widget", str(n + 1), "1"] for i in range(DEALS_N) for n in range(PER_DEAL)]
    return zipped({"deals.csv": table(*deals), "items.csv": table(*items)})


def _child_total(details: Any) -> int:
    resources = details.raw.get("resource") or []
    if len(resources) < 2:
        return 0
    return int(resources[1].get("file", {}).get("total_count") or 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The server's database: its own SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield ""
        return
    databases: TestDatabases = request.getfixturevalue("cluster_databases")
    name, url = databases.copy_of_template()
    try:
        yield url
    finally:
        databases.release(name)


@pytest.mark.slow
def test_sigkill_in_the_child_resource_resumes_without_double_writes(
    tmp_path: Path, database_url: str
) -> None:
    settings = {"chunk_size": "500"} | ({"database_url": database_url} if database_url else {})
    server = _server(tmp_path, **settings)
    server.start()
    try:
        with Client(server.base_url, server.token) as client:
            _products(client)
            file_id = _upload_zip(server, _big_zip())
            created = _create(server, two_resources(file_id))
            assert created.status_code == 201, created.text
            job_id = created.json()["details"]["id"]
            progress = client.wait_for(job_id, lambda d: _child_total(d) > 0)
            assert progress.status == "INPROGRESS", "the job ended before it could be killed"
            server.kill()
        before = _child_total(progress)
        server.start()
        with Client(server.base_url, server.token) as client:
            details = client.wait(job_id, timeout=600)
            csvs = _results(client.download_result(details))
        stored, totals = _stored(server)
    finally:
        server.stop()
    rows = DEALS_N * PER_DEAL
    assert details.status == "COMPLETED"
    parent, child = details.resources
    assert parent["file"]["added_count"] == DEALS_N
    assert (child["file"]["added_count"], child["file"]["total_count"]) == (rows, rows)
    assert rows > before
    item_rows = csvs[f"{ITEMS}-items.csv"]
    assert [r["STATUS"] for r in item_rows] == ["ADDED"] * rows
    assert len(stored) == rows
    assert set(stored) == {int(r["RECORD_ID"]) for r in item_rows}
    assert set(Counter(stored.values()).values()) == {PER_DEAL}  # each deal: its rows, once
    expected = float(sum(range(1, PER_DEAL + 1)))
    assert totals == {expected}


def _stored(server: LiveServer) -> tuple[dict[int, int], set[object]]:
    """The line items stored (id -> parent id) and the deals' distinct Grand_Totals."""
    assert server.demo is not None
    org_id = server.demo.org.id
    with server.services.store.transaction(write=False) as tx:
        items = tx.read_records(
            tx.record_table(org_id, ITEMS), ["id", "Parent_Id"], limit=10**9, offset=0
        )
        deals = tx.read_records(
            tx.record_table(org_id, "Deals"), ["Grand_Total"], limit=10**9, offset=0
        )
    return {int(i): int(p) for i, p in items}, {row[0] for row in deals}
