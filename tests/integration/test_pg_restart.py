"""The database going away under a running job: the job still finishes, every count exact.

A worker's connection cut in the middle of a chunk's transaction (``pg_terminate_backend``, as
a proxy or a failover does) runs everywhere. Restarting the PostgreSQL server itself
(``pg_ctlcluster … restart``) would disturb anything else using this machine's server, so it
only runs when ``BULKWRITE_TEST_PG_RESTART=1`` (CI sets it in ``.ci/run``) and no other client
is connected; otherwise it is skipped with the reason printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bulkwrite.client import Client
from tests.cluster import (
    JOB_SECONDS,
    Cluster,
    LeadsFile,
    check_rows,
    counts,
    leads_job,
    result_rows,
    write_leads,
)
from tests.pg import TestDatabases, admin_url, databases_on_test_server

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # restarts the server others use

RESTART_ENV = "BULKWRITE_TEST_PG_RESTART"
RETRIED = "the database is unavailable"
#: A backend of the store (not of the task engine) inside a transaction: a chunk being written.
IN_TRANSACTION = """SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'bulkwrite'
    AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"""
OTHER_CLIENTS = """SELECT DISTINCT coalesce(datname, '?') FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname <> %s"""


@pytest.fixture(scope="module")
def databases() -> Iterator[TestDatabases]:
    yield from databases_on_test_server("the distributed tests")


@pytest.fixture
def cluster(databases: TestDatabases, tmp_path: Path) -> Iterator[Cluster]:
    """One API process and two workers on a fresh database (made now, not ahead)."""
    name, url = databases.create(databases.template)
    made = Cluster(tmp_path / "cluster", url, {"chunk_size": "2000", "split_jobs": "true"})
    try:
        made.start_api()
        made.start_worker()
        made.start_worker()
        yield made
    finally:
        made.stop()
        print(made.logs())  # shown by pytest when the test failed
        databases.drop(name)


def start_job(cluster: Cluster, client: Client, leads: LeadsFile) -> str:
    """Create a job over ``leads``; returns once its first chunk is committed."""
    job_id = client.create_job(leads_job(client.upload(leads.path, leads.path.name)))
    progress = client.wait_for(job_id, lambda d: d.count("total") > 0, timeout=JOB_SECONDS)
    assert progress.status == "INPROGRESS", "the job ended before the database went away"
    return job_id


def check_finished(cluster: Cluster, client: Client, job_id: str, leads: LeadsFile) -> None:
    details = client.wait(job_id, timeout=JOB_SECONDS)
    assert counts(details) == ("COMPLETED", leads.good, 0, leads.bad, leads.rows), cluster.logs()
    check_rows(result_rows(client.result_csv(client.download_result(details))), leads)


def test_a_connection_cut_mid_chunk_is_retried(cluster: Cluster, tmp_path: Path) -> None:
    leads = write_leads(tmp_path / "big.csv", 100_000, seed=51, tag="c")
    with cluster.client() as client:
        job_id = start_job(cluster, client, leads)
        # Cut the store's connection while a chunk's transaction is open, until one cut lands
        # inside one (a cut between two chunks only makes the pool open a new connection).
        deadline = time.monotonic() + JOB_SECONDS
        while not any(RETRIED in w.log() for w in cluster.workers):
            progress = client.job(job_id)
            assert progress.status == "INPROGRESS", f"no cut met a chunk: {progress.raw}"
            assert time.monotonic() < deadline, f"no chunk was retried\n{cluster.logs()}"
            for (pid,) in cluster.query(IN_TRANSACTION):
                cluster.query("SELECT pg_terminate_backend(%s)", (pid,))
        check_finished(cluster, client, job_id, leads)
    assert cluster.stored_leads() == (leads.good, leads.good)
    assert all(w.alive for w in cluster.workers)


def restart_reason() -> str | None:
    """Why this machine's PostgreSQL server may not be restarted, or None."""
    if os.environ.get(RESTART_ENV) != "1":
        return f"restarts the machine's PostgreSQL server: set {RESTART_ENV}=1 to run it"
    if urlsplit(admin_url()).hostname not in ("127.0.0.1", "localhost"):
        return f"the test server {admin_url()} is not this machine's"
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        return "pg_ctlcluster is not installed"
    return None


def other_clients(cluster: Cluster) -> list[str]:
    """Databases of the server that clients other than the cluster's are connected to."""
    database = urlsplit(cluster.database_url).path.lstrip("/")
    return sorted(str(r[0]) for r in cluster.query(OTHER_CLIENTS, (database,)))


def restart_postgresql() -> None:
    port = str(urlsplit(admin_url()).port or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    found = [line.split()[:2] for line in listing.splitlines() if line.split()[2] == port]
    assert found, f"no local PostgreSQL cluster listens on port {port}: {listing}"
    ((version, name),) = found
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
        check=True,
        timeout=120,
    )


def test_postgresql_restarted_mid_job(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    reason = restart_reason()
    if reason is not None:
        pytest.skip(reason)
    cluster: Cluster = request.getfixturevalue("cluster")
    if others := other_clients(cluster):
        pytest.skip(f"other clients use the PostgreSQL server (databases {', '.join(others)})")
    leads = write_leads(tmp_path / "big.csv", 150_000, seed=41, tag="r")
    after = write_leads(tmp_path / "after.csv", 5_000, seed=42, tag="s")
    with cluster.client() as client:
        job_id = start_job(cluster, client, leads)
        restart_postgresql()
        back = datetime.now(UTC)
        check_finished(cluster, client, job_id, leads)
        # The workers still take new work.
        next_id = client.create_job(leads_job(client.upload(after.path, after.path.name)))
        check_finished(cluster, client, next_id, after)
    ((finished,),) = cluster.query("SELECT finished_time FROM jobs WHERE id = %s", (int(job_id),))
    assert finished > back, "the job ended before the server was back: the restart missed it"
    total = leads.good + after.good
    assert cluster.stored_leads() == (total, total)
    assert all(w.alive for w in cluster.workers), cluster.logs()
