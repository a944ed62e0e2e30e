"""Many processes, one database: API processes and workers as separate machines would run them.

Every test starts real processes (``tests/cluster.py``): ``bulkwrite serve --no-worker`` API
processes and ``python -m bulkwrite worker`` processes over a fresh PostgreSQL database and one
shared file directory, and drives them with the client as a user would. Counts and result rows
are checked exactly against the seeded generator's files (``bench.generate``), and the record
table is read back from PostgreSQL: no row is written twice, however the work was spread,
interrupted or delivered.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest

from bulkwrite.client import Client, JobDetails
from bulkwrite.domain.tasks import RUN_JOB_TASK, TASK_QUEUE, job_lock
from tests.cluster import (
    JOB_SECONDS,
    Cluster,
    check_rows,
    counts,
    leads_job,
    result_rows,
    write_leads,
)
from tests.pg import TestDatabases, databases_on_test_server

pytestmark = pytest.mark.slow

FINAL = ("COMPLETED", "FAILED")
MB = 1024 * 1024
#: What an upload leaves in the storage's temp directory when killed: never under uploads/.
TEMP_NAME = re.compile(r"\.upload-.*\.part|upload-[0-9]+\.csv")
DEFER = """SELECT procrastinate_defer_jobs_v1(ARRAY[
    ROW(%s, %s, 0, %s, NULL, %s::jsonb, NULL)::procrastinate_job_to_defer_v1])"""


@pytest.fixture(scope="module")
def databases() -> Iterator[TestDatabases]:
    yield from databases_on_test_server("the distributed tests")


@pytest.fixture
def new_cluster(tmp_path: Path, databases: TestDatabases) -> Iterator[Callable[..., Cluster]]:
    """Makes the test's cluster on a fresh database; stops every process afterwards."""
    made: list[tuple[str, Cluster]] = []

    def make(**settings: str) -> Cluster:
        name, url = databases.copy_of_template()
        # Jobs split across the workers (BULKWRITE_SPLIT_JOBS), unless a test says otherwise.
        cluster = Cluster(tmp_path / f"cluster{len(made)}", url, {"split_jobs": "true", **settings})
        made.append((name, cluster))
        return cluster

    yield make
    for name, cluster in made:
        cluster.stop()
        print(cluster.logs())  # shown by pytest when the test failed
        databases.release(name)


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


def result_of(client: Client, details: JobDetails) -> list[dict[str, str]]:
    return result_rows(Client.result_csv(client.download_result(details)))


# --- 1. many API processes, many workers, jobs side by side ------------------------------------


def test_two_apis_three_workers_five_jobs_every_count_and_row_exact(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(chunk_size="5000")
    cluster.start_api()
    cluster.start_api()
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


# --- 2. a worker SIGKILLed in the middle of a job ----------------------------------------------


def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes_exactly(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(chunk_size="2000")
    cluster.start_api()
    cluster.start_worker()
    cluster.start_worker()
    leads = write_leads(tmp_path / "big.csv", 100_000, seed=21, tag="k")
    with cluster.client() as client:
        job_id = client.create_job(leads_job(client.upload(leads.path, "big.csv")))
        progress = client.wait_for(job_id, lambda d: d.count("total") > 0, timeout=JOB_SECONDS)
        assert progress.status == "INPROGRESS", "the job ended before a worker could be killed"
        started = f"job {job_id}: run starts"
        (victim,) = [w for w in cluster.workers if started in w.log()]
        (survivor,) = [w for w in cluster.workers if w is not victim]
        ((_, status, worker_id),) = cluster.job_tasks(job_id)
        assert (status, f"worker {worker_id}," in victim.log()) == ("doing", True)
        victim.kill()
        frozen = client.job(job_id)
        assert frozen.status == "INPROGRESS" and frozen.count("total") < leads.rows
        details = client.wait(job_id, timeout=JOB_SECONDS)
        rows = result_of(client, details)

    assert counts(details) == ("COMPLETED", leads.good, 0, leads.bad, leads.rows), cluster.logs()
    assert started in survivor.log(), "the surviving worker did not take the job over"
    assert "goes back in the queue" in survivor.log()
    added = [r for r in check_rows(rows, leads) if r]
    assert len(set(added)) == len(added) == leads.good
    assert cluster.stored_leads() == (leads.good, leads.good)
    table = cluster.leads_table()
    assert {str(r[0]) for r in cluster.query(f'SELECT id FROM "{table}"')} == set(added)


# --- 3. the same job delivered twice -----------------------------------------------------------


def defer_again(cluster: Cluster, job_id: str, locked: bool = True) -> int:
    """Defer another ``bulkwrite.run_job`` task for the job, as ``Tx.enqueue_job`` does;
    ``locked=False``: without the job's lock, so it may run beside the first delivery (as when
    the task of a worker wrongly thought dead is rescued)."""
    lock = job_lock(job_id) if locked else None
    args = json.dumps({"job_id": job_id})
    ((ids,),) = cluster.query(DEFER, (TASK_QUEUE, RUN_JOB_TASK, lock, args))
    return int(ids[0])


def tasks_settled(cluster: Cluster, job_id: str) -> bool:
    return all(status not in ("todo", "doing") for _, status, _ in cluster.job_tasks(job_id))


def test_a_job_delivered_twice_is_written_once(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(chunk_size="2000")
    cluster.start_api()
    cluster.start_worker()
    cluster.start_worker()
    small = write_leads(tmp_path / "small.csv", 20_000, seed=31, tag="d1")
    big = write_leads(tmp_path / "big.csv", 100_000, seed=32, tag="d2")
    with cluster.client() as client:
        # A COMPLETED job delivered again: nothing changes, not even the result file.
        done_id = client.create_job(leads_job(client.upload(small.path, "small.csv")))
        done = client.wait(done_id, timeout=JOB_SECONDS)
        zip_before = client.download_result(done)
        stored_before = cluster.stored_leads()
        task = defer_again(cluster, done_id)
        cluster.wait_until(
            lambda: any(f"run ends COMPLETED (task {task})" in w.log() for w in cluster.workers),
            "the second delivery to end",
        )
        again = client.job(done_id)
        assert again.raw == done.raw
        assert client.download_result(again) == zip_before
        assert cluster.stored_leads() == stored_before == (small.good, small.good)

        # A job in progress delivered twice more: beside the first delivery, and after it.
        job_id = client.create_job(leads_job(client.upload(big.path, "big.csv")))
        progress = client.wait_for(job_id, lambda d: d.count("total") > 0, timeout=JOB_SECONDS)
        assert progress.status == "INPROGRESS", "the job ended before it was delivered again"
        defer_again(cluster, job_id, locked=False)
        defer_again(cluster, job_id)
        details = client.wait(job_id, timeout=JOB_SECONDS)
        cluster.wait_until(lambda: tasks_settled(cluster, job_id), "every delivery to end")
        rows = result_of(client, details)

    assert counts(details) == ("COMPLETED", big.good, 0, big.bad, big.rows), cluster.logs()
    added = [r for r in check_rows(rows, big) if r]
    assert len(set(added)) == len(added) == big.good
    total = small.good + big.good
    assert cluster.stored_leads() == (total, total)
    statuses = [status for _, status, _ in cluster.job_tasks(job_id)]
    assert "failed" not in statuses, cluster.logs()
    # The unlocked delivery split the file beside the first one; every chunk was still
    # written exactly once, in input order.
    written = [
        int(n)
        for w in cluster.workers
        for n in re.findall(rf"job {job_id}: chunk (\d+) written", w.log())
    ]
    assert sorted(written) == list(range(big.rows // 2000)), cluster.logs()


def test_an_open_job_whose_task_failed_for_good_runs_again(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(chunk_size="2000")
    cluster.start_api()
    leads = write_leads(tmp_path / "o.csv", 10_000, seed=41, tag="o1")
    with cluster.client() as client:
        job_id = client.create_job(leads_job(client.upload(leads.path, "o.csv")))
        # No worker yet. The task fails for good, as after its last retry while the
        # database was away: the job is left open with no task.
        cluster.query(
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE args->>'job_id' = %s "
            "RETURNING id",
            (job_id,),
        )
        cluster.start_worker()
        details = client.wait(job_id, timeout=JOB_SECONDS)
        rows = result_of(client, details)
    assert counts(details) == ("COMPLETED", leads.good, 0, leads.bad, leads.rows)
    assert len([r for r in check_rows(rows, leads) if r]) == leads.good
    assert any(f"job {job_id} had no task left" in w.log() for w in cluster.workers)


# --- 4. an API process SIGKILLed while a file streams in ---------------------------------------


def upload_head(size: int, token: str, port: int) -> tuple[bytes, bytes]:
    """The request head and multipart preamble of an upload whose CSV is ``size`` bytes."""
    boundary = "bulkwrite-crash-boundary"
    preamble = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\n\r\n'
    ).encode()
    epilogue = f"\r\n--{boundary}--\r\n".encode()
    head = (
        f"POST /crm/v8/upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Zoho-oauthtoken {token}\r\nfeature: bulk-write\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(preamble) + size + len(epilogue)}\r\n\r\n"
    ).encode()
    return head + preamble, epilogue


def csv_blocks(size: int) -> Iterator[bytes]:
    """A Leads CSV of exactly ``size`` bytes, in 1 MB blocks."""
    header = b"Last_Name,Company,Email\r\n"
    line = b"Doe,Acme,doe@example.com\r\n"
    body = header + line * ((MB - len(header)) // len(line))
    body += b"x" * (MB - len(body))
    sent = 0
    while sent < size:
        block = body[: min(MB, size - sent)]
        sent += len(block)
        yield block
        body = line * (MB // len(line)) + b"y" * (MB % len(line))


def stream_upload(api_url: str, token: str, size: int, send: int) -> socket.socket:
    """Send the head and ``send`` bytes of a ``size``-byte upload; the socket stays open."""
    port = int(api_url.rsplit(":", 1)[1])
    head, epilogue = upload_head(size, token, port)
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(head)
    sent = 0
    for block in csv_blocks(size):
        if sent >= send:
            break
        sock.sendall(block)
        sent += len(block)
    if sent >= size:
        sock.sendall(epilogue)
    return sock


def test_an_api_killed_while_a_file_streams_in_leaves_no_file(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster()
    api = cluster.start_api()
    uploads, tmp = cluster.files_dir / "uploads", cluster.files_dir / "tmp"
    machine_tmp = cluster.root / api.name / "tmp"  # TMPDIR: where request bodies spool
    size = 200 * MB

    def listing(directory: Path) -> list[str]:
        return sorted(p.name for p in directory.iterdir()) if directory.exists() else []

    # Killed while the body is still coming in.
    sock = stream_upload(api.base_url, cluster.token, size, send=60 * MB)
    api.kill()
    sock.close()
    assert cluster.query("SELECT count(*) FROM files") == [(0,)]
    assert listing(uploads) == listing(tmp) == listing(machine_tmp) == []

    # Killed after the whole body arrived, while the server stores it.
    api.start()
    sock = stream_upload(api.base_url, cluster.token, size, send=size)
    cluster.wait_until(
        lambda: any(n.endswith(".part") for n in listing(tmp)), "a temp file", longest_pause=0.01
    )
    api.kill()
    sock.close()
    assert cluster.query("SELECT count(*) FROM files") == [(0,)]
    assert listing(uploads) == listing(machine_tmp) == []
    assert all(TEMP_NAME.fullmatch(name) for name in listing(tmp)), listing(tmp)

    # Restarted, the server takes the next upload whole.
    api.start()
    with cluster.client() as client:
        file_id = client.upload(b"Last_Name,Company\r\nDoe,Acme\r\n", "small.csv")
    assert cluster.query("SELECT id::text FROM files") == [(file_id,)]
    assert listing(uploads) == [f"{file_id}.csv"]
