"""Many processes, one database: API processes and workers as separate machines would run them.

Every test starts real processes (``tests/cluster.py``): ``bulkwrite serve --no-worker`` API
processes and ``python -m bulkwrite worker`` processes over a fresh PostgreSQL database and one
shared file directory, and drives them with the client as a user would. Counts and result rows
are checked exactly against the seeded generator's files (``bench.generate``), and the record
table is read back from PostgreSQL: no row is written twice, however the work was spread.
The faults (killed processes, double delivery, lost tasks) are in ``test_distributed_faults.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path

import pytest

from bulkwrite.client import Client, JobDetails
from tests.cluster import (
    JOB_SECONDS,
    Cluster,
    check_rows,
    counts,
    leads_job,
    result_of,
    write_leads,
)

pytestmark = pytest.mark.slow

FINAL = ("COMPLETED", "FAILED")


class Watch:
    """Polls the details of every job, each time through the next API process, and checks
    on every answer that the counts add up and never go back."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients = clients
        self.turn = count()
        self.latest: dict[str, JobDetails] = {}

    def poll(self, jobs: dict[str, str]) -> dict[str, JobDetails]:
        for name, job_id in jobs.items():
            client = self.clients[next(self.turn) % len(self.clients)]
            details = client.job(job_id)
            counts = [details.count(k) for k in ("added", "updated", "skipped")]
            assert details.count("total") == sum(counts), details.raw
            before = self.latest.get(name)
            if before is not None:
                assert details.count("total") >= before.count("total"), (before.raw, details.raw)
            self.latest[name] = details
        return self.latest

    def until(
        self, jobs: dict[str, str], done: Callable[[dict[str, JobDetails]], bool], what: str
    ) -> dict[str, JobDetails]:
        deadline, pause = time.monotonic() + JOB_SECONDS, 0.02
        while not done(self.poll(jobs)):
            states = {n: d.status for n, d in self.latest.items()}
            assert time.monotonic() < deadline, f"still waiting for {what}: {states}"
            time.sleep(pause)  # client-side polling of the real servers
            pause = min(pause * 1.5, 0.25)
        return self.latest


def test_two_apis_three_workers_five_jobs_every_count_and_row_exact(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(apis=2, chunk_size="5000")
    for _ in range(3):
        cluster.start_worker(concurrency=2)
    files = {
        "f1": write_leads(tmp_path / "f1.csv", 50_000, seed=11, tag="f1"),
        "f2": write_leads(tmp_path / "f2.csv", 50_000, seed=12, tag="f2"),
        "f3": write_leads(tmp_path / "f3.csv", 50_000, seed=13, tag="f3"),
        # f1 and f2 again, then 5,000 rows with new Emails: updates, then inserts
        "u1": write_leads(tmp_path / "u1.csv", 55_000, seed=11, tag="f1"),
        "u2": write_leads(tmp_path / "u2.csv", 55_000, seed=12, tag="f2"),
    }
    with cluster.client(0) as api0, cluster.client(1) as api1:
        clients = [api0, api1]
        file_ids = {
            name: clients[i % 2].upload(leads.path, f"{name}.csv")
            for i, (name, leads) in enumerate(files.items())
        }
        watch, jobs = Watch(clients), {}
        jobs["f1"] = api0.create_job(leads_job(file_ids["f1"]))
        jobs["f2"] = api1.create_job(leads_job(file_ids["f2"]))
        watch.until(jobs, lambda d: d["f1"].status in FINAL, "f1")
        # The upsert over f1 and a third insert, beside f2 (which started with f1)
        jobs["f3"] = api1.create_job(leads_job(file_ids["f3"]))
        jobs["u1"] = api0.create_job(leads_job(file_ids["u1"], "upsert", "Email"))
        latest = watch.until(jobs, lambda d: d["f2"].status in FINAL, "f2")
        running = [n for n in ("f3", "u1") if latest[n].status not in FINAL]
        jobs["u2"] = api1.create_job(leads_job(file_ids["u2"], "upsert", "Email"))
        assert running, "f3 and u1 ended before u2 was created: nothing ran beside it"
        final = watch.until(jobs, lambda d: all(x.status in FINAL for x in d.values()), "all")
        results = {name: result_of(clients[i % 2], final[name]) for i, name in enumerate(jobs)}

    for name in ("f1", "f2", "f3"):
        assert counts(final[name]) == (
            "COMPLETED",
            files[name].good,
            0,
            files[name].bad,
            files[name].rows,
        ), name
    for name, base in (("u1", "f1"), ("u2", "f2")):
        assert counts(final[name]) == (
            "COMPLETED",
            files[name].good - files[base].good,
            files[base].good,
            files[name].bad,
            files[name].rows,
        ), name
    ids = {name: check_rows(results[name], files[name]) for name in ("f1", "f2", "f3")}
    for name, base in (("u1", "f1"), ("u2", "f2")):
        ids[name] = check_rows(results[name], files[name], updates=ids[base])

    added = [
        row["RECORD_ID"] for rows in results.values() for row in rows if row["STATUS"] == "ADDED"
    ]
    assert len(added) == len(set(added)) == sum(d.count("added") for d in final.values())
    assert cluster.stored_leads() == (len(added), len(added))
    table = cluster.leads_table()
    stored_ids = {str(r[0]) for r in cluster.query(f'SELECT id FROM "{table}"')}
    assert stored_ids == set(added)
    # Jobs were split: the chunks of one job were converted by several workers.
    preparers = {
        name: {
            i
            for i, w in enumerate(cluster.workers)
            if re.search(rf"job {job}: chunk \d+ prepared", w.log())
        }
        for name, job in jobs.items()
    }
    assert max(len(workers) for workers in preparers.values()) >= 2, preparers
    # Each record's last writer: every f1/f2 record was updated by its upsert.
    writers = dict(cluster.query(f'SELECT "_job", count(*) FROM "{table}" GROUP BY 1'))
    assert {str(job): n for job, n in writers.items()} == {
        jobs["f3"]: files["f3"].good,
        jobs["u1"]: files["u1"].good,
        jobs["u2"]: files["u2"].good,
    }
