"""Job control in a PostgreSQL deployment: two API processes, separate workers splitting the
job (``tests/cluster.py``). The events stream through an API process that runs no job, the
list and the cancel through the other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cluster import Cluster, leads_job, result_of, write_leads

pytestmark = pytest.mark.slow


def test_events_list_and_cancel_across_api_and_worker_processes(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(apis=2, chunk_size="500")
    cluster.start_worker(concurrency=2)
    cluster.start_worker(concurrency=2)
    leads = write_leads(tmp_path / "big.csv", 60_000, seed=5, tag="cx")
    with cluster.client(0) as api0, cluster.client(1) as api1:
        job_id = api0.create_job(leads_job(api0.upload(leads.path, "big.csv")))
        seen = []
        for details in api1.events(job_id):
            seen.append(details)
            if details.raw["progress"]["rows_done"] >= 5000:
                api0.cancel(job_id)
                break
        final = list(api1.events(job_id))[-1]
        jobs, _ = api0.list_jobs(status="CANCELLED")
        rows = result_of(api1, final)
    done = [d.raw["progress"]["rows_done"] for d in seen]
    assert done == sorted(done) and seen[-1].raw["progress"]["rows_total"] == 60_000
    assert final.status == "CANCELLED" and [j.id for j in jobs] == [job_id]
    reached = final.raw["progress"]["rows_done"]
    assert 5000 <= reached < 60_000 and final.counts.total == reached
    statuses = [row["STATUS"] for row in rows]
    assert len(statuses) == 60_000 and "UNPROCESSED" not in statuses[:reached]
    assert set(statuses[reached:]) == {"UNPROCESSED"}
    assert cluster.stored_leads()[0] == final.counts.added
