"""Faults survived by many processes on one database, each with real processes
(``tests/cluster.py``): a worker SIGKILLed mid-job, a task delivered twice, a task that failed for
good, an API process killed while a file streams in. Counts, result rows and the record table
are checked exactly: nothing lost, nothing written twice.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bulkwrite.queue.tasks import RUN_JOB_TASK, TASK_QUEUE, job_lock
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

MB = 1024 * 1024
#: Temp files an interrupted upload may leave in the file store's temp directory (never used;
#: swept when an API process starts, once a day old): the body's file part as it streamed in,
#: the CSV being stored, the stored CSV before it moves into place.
TEMP_NAME = re.compile(r"\.part-.*\.upload|\.upload-.*\.part|upload-[0-9]+\.csv")
DEFER = """SELECT procrastinate_defer_jobs_v1(ARRAY[
    ROW(%s, %s, 0, %s, NULL, %s::jsonb, NULL)::procrastinate_job_to_defer_v1])"""


# --- 1. a worker SIGKILLed in the middle of a job ----------------------------------------------


def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes_exactly(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(apis=1, workers=2, chunk_size="2000")
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


# --- 2. the same job delivered twice -----------------------------------------------------------


def defer_again(cluster: Cluster, job_id: str, locked: bool = True) -> int:
    """Defer another ``bulkwrite.run_job`` task for the job, as ``ProcrastinateQueue.defer`` does;
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
    cluster = new_cluster(apis=1, workers=2, chunk_size="2000")
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
    cluster = new_cluster(apis=1, chunk_size="2000")
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


# --- 3. an API process SIGKILLed while a file streams in ---------------------------------------


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

    def nothing_stored() -> None:
        """No file recorded or stored; only temp files (never used) may be left."""
        assert cluster.query("SELECT count(*) FROM files") == [(0,)]
        assert listing(uploads) == listing(machine_tmp) == []
        assert all(TEMP_NAME.fullmatch(name) for name in listing(tmp)), listing(tmp)

    # Killed while the body is still coming in.
    sock = stream_upload(api.base_url, cluster.token, size, send=60 * MB)
    api.kill()
    sock.close()
    nothing_stored()

    # Killed after the whole body arrived, while the server stores it.
    api.start()
    sock = stream_upload(api.base_url, cluster.token, size, send=size)

    def stored_whole() -> bool:  # the part holds the whole CSV: the server now checks it
        sizes = []
        for name in listing(tmp):
            with contextlib.suppress(FileNotFoundError):  # renamed meanwhile
                sizes.append((tmp / name).stat().st_size if name.startswith(".part-") else 0)
        return any(n >= size for n in sizes)

    cluster.wait_until(stored_whole, "the whole file part", longest_pause=0.01)
    api.kill()
    sock.close()
    nothing_stored()

    # Restarted, the server takes the next upload whole.
    api.start()
    with cluster.client() as client:
        file_id = client.upload(b"Last_Name,Company\r\nDoe,Acme\r\n", "small.csv")
    assert cluster.query("SELECT id::text FROM files") == [(file_id,)]
    assert listing(uploads) == [f"{file_id}.csv"]
