"""Callbacks sent by ``bulkwrite worker`` processes (PostgreSQL, procrastinate): the API
processes run no worker, so only the workers' delivery loops can send. Two workers never
send one delivery twice, and a worker killed before it sends leaves the delivery to another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.cluster import Cluster
from tests.receiver import receiving

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
