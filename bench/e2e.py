"""bulkwrite end to end: a real ``bulkwrite serve`` process driven over HTTP by the client.

A job is timed from the start of the upload to the last byte of the result zip, in three
phases: upload (the multipart POST), processing (create the job, then poll its details until
COMPLETED) and download. The details endpoint is polled every ``POLL_SECONDS`` and each call's
latency is kept, so the same loop both waits for the job and measures how responsive the
server stays while it works.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.generate import KEY, MODULE
from bench.monitor import RssReport, RssSampler, tree_cpu_seconds
from bench.stats import percentile
from bulkwrite.client import Client, JobDetails
from tests.server import LiveServer, make_server

POLL_SECONDS = 0.05
JOB_TIMEOUT = 6 * 3600.0


class BenchError(Exception):
    """The benchmark cannot go on (a job failed, a server did not start)."""


@dataclass
class JobTiming:
    """One job, as the client saw it."""

    operation: str
    rows: int
    upload_seconds: float
    processing_seconds: float
    download_seconds: float
    counts: dict[str, int]
    result_bytes: int
    details_ms: list[float] = field(default_factory=list)
    server_cpu_seconds: float = 0.0
    rss: RssReport | None = None

    @property
    def seconds(self) -> float:
        """Upload to result downloaded."""
        return self.upload_seconds + self.processing_seconds + self.download_seconds

    @property
    def completed_seconds(self) -> float:
        """Upload to COMPLETED (no download)."""
        return self.upload_seconds + self.processing_seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "rows": self.rows,
            "seconds": self.seconds,
            "rows_per_second": self.rows_per_second,
            "upload_seconds": self.upload_seconds,
            "processing_seconds": self.processing_seconds,
            "download_seconds": self.download_seconds,
            "completed_seconds": self.completed_seconds,
            "counts": self.counts,
            "result_bytes": self.result_bytes,
            "details_polls": len(self.details_ms),
            "server_cpu_seconds": self.server_cpu_seconds,
            "peak_rss_bytes": self.rss.peak_bytes if self.rss else None,
            "own_peak_rss_bytes": self.rss.own_peak_bytes if self.rss else None,
            "baseline_rss_bytes": self.rss.baseline_bytes if self.rss else None,
        }


#: Settings of every bulkwrite process the bench starts (``bench.run --set``).
SERVER_SETTINGS: dict[str, str] = {}


@contextmanager
def running_server(data_dir: Path) -> Iterator[tuple[LiveServer, Client]]:
    """A fresh ``bulkwrite serve`` with its own data directory, and a client for it."""
    server = make_server(data_dir, **SERVER_SETTINGS)
    try:
        server.start()
        with Client(server.base_url, server.token, timeout=600.0) as client:
            yield server, client
    finally:
        server.stop()


def server_pid(server: LiveServer) -> int:
    if server.process is None:
        raise BenchError("the server is not running")
    return server.process.pid


def job_body(operation: str, file_id: str) -> dict[str, Any]:
    """Columns mapped by header; upsert finds records by Email."""
    resource: dict[str, Any] = {"type": "data", "module": {"api_name": MODULE}, "file_id": file_id}
    if operation != "insert":
        resource["find_by"] = KEY
    return {"operation": operation, "resource": [resource]}


def _poll(client: Client, job_id: str, latencies: list[float]) -> JobDetails:
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        start = time.perf_counter()
        details = client.job(job_id)
        latencies.append((time.perf_counter() - start) * 1000.0)
        if details.done:
            return details
        if time.monotonic() > deadline:
            raise BenchError(f"job {job_id} is still {details.status}")
        time.sleep(POLL_SECONDS)  # a client's polling pace, not a wait for work in a test


def run_job(
    client: Client,
    csv_path: Path,
    rows: int,
    operation: str,
    body: Callable[[str], dict[str, Any]] | None = None,
) -> JobTiming:
    """Upload, create, poll to the end, download; raises unless the job COMPLETED. ``body``
    makes the create request from the file id (default: ``job_body`` of the Leads file)."""
    start = time.perf_counter()
    file_id = client.upload(csv_path)
    uploaded = time.perf_counter()
    request = body(file_id) if body is not None else job_body(operation, file_id)
    job_id = client.create_job(request)
    latencies: list[float] = []
    details = _poll(client, job_id, latencies)
    completed = time.perf_counter()
    if details.status != "COMPLETED":
        raise BenchError(f"{operation} job {job_id} ended {details.status}: {details.raw}")
    result = client.download_result(details)
    downloaded = time.perf_counter()
    counts = {name: details.count(name) for name in ("total", "added", "updated", "skipped")}
    return JobTiming(
        operation,
        rows,
        uploaded - start,
        completed - uploaded,
        downloaded - completed,
        counts,
        len(result),
        latencies,
    )


def watched_job(server: LiveServer, client: Client, csv_path: Path, rows: int) -> JobTiming:
    """An insert job with the server's peak RSS and CPU time measured around it."""
    pid = server_pid(server)
    cpu = tree_cpu_seconds(pid)
    with RssSampler(pid) as sampler:
        timing = run_job(client, csv_path, rows, "insert")
    timing.server_cpu_seconds = tree_cpu_seconds(pid) - cpu
    timing.rss = sampler.report()
    return timing


def job_json(timing: JobTiming) -> dict[str, Any]:
    """A job's figures, with the percentiles of its details latency."""
    document = timing.as_json()
    if timing.details_ms:
        document["details_p50_ms"] = percentile(timing.details_ms, 50)
        document["details_p99_ms"] = percentile(timing.details_ms, 99)
        document["details_max_ms"] = max(timing.details_ms)
    return document
