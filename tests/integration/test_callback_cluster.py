"""Callbacks on PostgreSQL: sent by ``bulkwrite worker`` processes (the API processes run no
worker, so only the workers' delivery loops can send) — two workers never send one delivery
twice, and a worker killed before it sends leaves the delivery to another — and by ``bulkwrite
serve``'s loop beside its procrastinate thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bulkwrite.client import Client
from tests.cluster import Cluster
from tests.pg import TestDatabases
from tests.receiver import receiving
from tests.server import make_server

CSV = b"Last_Name,Company\nA,Co\n"


def create(cluster: Cluster, url: str) -> str:
    with cluster.client() as client:
        file_id = client.upload(CSV, "cb.csv")
        return client.create_job(
            {
                "operation": "insert",
                "callback": {"url": url, "method": "post"},
                "resource": [{"type": "data", "module": "Leads", "file_id": file_id}],
            }
        )


def delivery(cluster: Cluster, job_id: str) -> dict[str, Any]:
    with cluster.client() as client:
        found: dict[str, Any] = client.job(job_id).raw["callback"]["delivery"] or {}
    return found


@pytest.mark.slow
def test_two_workers_deliver_each_callback_once(new_cluster: Callable[..., Cluster]) -> None:
    cluster = new_cluster(apis=1, workers=2, split_jobs="false")
    with receiving() as receiver:
        jobs = [create(cluster, receiver.url) for _ in range(4)]
        cluster.wait_until(
            lambda: all(delivery(cluster, j).get("status") == "delivered" for j in jobs),
            "every callback to be delivered",
        )
        calls = receiver.wait_for(4, 5)
    ids = [call.delivery_id for call in calls]
    assert len(ids) == len(set(ids)) == 4  # each once: claims are compare-and-set
    assert sorted(call.body["id"] for call in calls) == sorted(jobs)
    assert all(delivery(cluster, j)["attempts"] == 1 for j in jobs)


@pytest.mark.slow
def test_a_worker_killed_before_sending_leaves_the_callback_to_another(
    new_cluster: Callable[..., Cluster],
) -> None:
    """The first worker looks at the outbox once a minute: it runs the job, and is killed
    after the final commit; a second worker, started afterwards, sends the callback."""
    cluster = new_cluster(apis=1, split_jobs="false")
    lazy = cluster.start_worker(callback_poll_interval="60")
    with receiving() as receiver:
        job_id = create(cluster, receiver.url)
        with cluster.client() as client:
            assert client.wait(job_id, timeout=60).status == "COMPLETED"
        assert delivery(cluster, job_id)["attempts"] == 0 and receiver.attempts() == 0
        lazy.kill()
        cluster.start_worker()
        (call,) = receiver.wait_for(1, 30)
        cluster.wait_until(lambda: delivery(cluster, job_id).get("status") == "delivered", "ok")
    assert call.delivery_id == delivery(cluster, job_id)["id"]


@pytest.mark.slow
def test_serve_on_postgresql_sends_callbacks_beside_its_thread_worker(
    cluster_databases: TestDatabases, tmp_path: Path
) -> None:
    """``bulkwrite serve`` with PostgreSQL runs procrastinate on a thread, and the delivery
    loop beside it; a SIGKILL after the final commit leaves the callback to the next life."""
    name, url = cluster_databases.copy_of_template()
    (tmp_path / "data").mkdir()
    server = make_server(tmp_path / "data", database_url=url, callback_poll_interval="60")
    server.start()
    try:
        with receiving() as receiver, Client(server.base_url, server.token) as client:
            file_id = client.upload(CSV, "cb.csv")
            job_id = client.create_job(
                {
                    "operation": "insert",
                    "callback": {"url": receiver.url, "method": "post"},
                    "resource": [{"type": "data", "module": "Leads", "file_id": file_id}],
                }
            )
            assert client.wait(job_id, timeout=60).status == "COMPLETED"
            assert receiver.attempts() == 0
            server.kill()
            server.env["BULKWRITE_CALLBACK_POLL_INTERVAL"] = "0.2"
            server.start()
            (call,) = receiver.wait_for(1, 30)
        assert call.body["id"] == job_id and call.headers["X-Bulkwrite-Event"] == "job.completed"
    finally:
        server.stop()
        cluster_databases.release(name)
