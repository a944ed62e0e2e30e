"""Idempotency keys in the distributed deployment (PostgreSQL, two ``serve --no-worker`` API
processes, a ``bulkwrite worker``): duplicates sent at once through both APIs make one job and
one upload, every answer alike; ``Client.import_csv`` runs a job to its end there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkwrite.client import ImportSettings
from tests.cluster import Cluster

LEADS = b"Last_Name,Company\nDoe,Acme\nRoe,Initech\n"


def send_together(
    count: int, send: Callable[[httpx.Client], httpx.Response], cluster: Cluster
) -> list[tuple[int, Any]]:
    start = threading.Barrier(count)

    def one(n: int) -> tuple[int, Any]:
        api = cluster.apis[n % len(cluster.apis)]
        headers = {"Authorization": f"Zoho-oauthtoken {cluster.token}"}
        with httpx.Client(base_url=api.base_url, headers=headers, timeout=120) as http:
            start.wait()
            response = send(http)
        return response.status_code, response.json()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_duplicates_through_two_apis_make_one_upload_and_one_job(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(apis=2, workers=1)
    uploads = send_together(
        10,
        lambda http: http.post(
            "/crm/v8/upload",
            files={"file": ("leads.csv", LEADS)},
            headers={"feature": "bulk-write", "Idempotency-Key": "upload-together"},
        ),
        cluster,
    )
    assert uploads[0][0] == 200 and all(u == uploads[0] for u in uploads), uploads
    assert cluster.query("SELECT count(*) FROM files")[0][0] == 1
    stored = [p for p in cluster.files_dir.rglob("*.csv") if "uploads" in p.parts]
    assert len(stored) == 1, stored  # the losers' copies went with their rolled-back rows
    file_id = uploads[0][1]["details"]["file_id"]
    body = {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }
    created = send_together(
        20,
        lambda http: http.post(
            "/crm/bulk/v8/write", json=body, headers={"Idempotency-Key": "create-together"}
        ),
        cluster,
    )
    assert created[0][0] == 201 and all(c == created[0] for c in created), created
    assert cluster.query("SELECT count(*) FROM jobs")[0][0] == 1
    with cluster.client(1) as client:
        details = client.wait(created[0][1]["details"]["id"], timeout=120)
    assert (details.status, details.counts.added) == ("COMPLETED", 2)


@pytest.mark.slow
def test_import_csv_in_the_distributed_deployment(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(apis=1, workers=1)
    source = tmp_path / "leads.csv"
    source.write_bytes(LEADS)
    with cluster.client(0) as client:
        done = client.import_csv(
            source, "Leads", settings=ImportSettings(result_path=tmp_path / "r.csv")
        )
    assert (done.details.status, done.details.counts.added) == ("COMPLETED", 2)
    assert done.result_path is not None and done.result_path.read_text().count("ADDED") == 2
