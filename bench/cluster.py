"""bulkwrite on PostgreSQL with distributed workers, end to end over HTTP.

An API process (``bulkwrite serve`` with ``BULKWRITE_WORKER=false``, i.e. ``--no-worker``) and
N ``python -m bulkwrite worker --concurrency 1`` processes share one fresh database and one data
directory (the uploaded files). Jobs go through the same client calls as on SQLite
(bench/e2e.py). Around a measured step, a ``Watch`` reads the CPU time of the API process, of the
workers and of the PostgreSQL backends serving the database, the peak RSS of the API and of the
workers, and the WAL the server wrote.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import psycopg

from bench.e2e import SERVER_SETTINGS, BenchError, JobTiming, run_job, server_pid
from bench.monitor import RssSampler, tree_cpu_seconds
from bench.pgdb import BackendCpu
from bulkwrite.client import Client
from tests.server import LiveServer, make_server

T = TypeVar("T")

WORKER_START_SECONDS = 60.0
STOP_SECONDS = 20.0
BARRIER_SECONDS = 60.0
WORKERS_REGISTERED = "SELECT count(*) FROM procrastinate_workers"


@dataclass
class Cluster:
    """The API process, its client, the worker processes and the database they share."""

    server: LiveServer
    client: Client
    workers: list[subprocess.Popen[bytes]]
    database_url: str
    logs: list[Path] = field(default_factory=list)

    @property
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers]


def _start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bulkwrite", "worker", "--concurrency", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for_workers(url: str, workers: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    """Until every worker has registered itself (``procrastinate_workers``), so no job waits
    for a worker to start."""
    deadline = time.monotonic() + WORKER_START_SECONDS
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            for worker, log in zip(workers, logs, strict=True):
                if worker.poll() is not None:
                    tail = log.read_text(errors="replace")[-2000:]
                    raise BenchError(f"a worker exited with {worker.returncode}:\n{tail}")
            row = conn.execute(WORKERS_REGISTERED).fetchone()
            if row and int(row[0]) >= len(workers):
                return
            time.sleep(0.1)  # waiting for processes to start, not for work
    raise BenchError(f"{len(workers)} worker(s) did not register in {WORKER_START_SECONDS:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_cluster(data_dir: Path, database_url: str, workers: int) -> Iterator[Cluster]:
    """A fresh API process without worker, and ``workers`` worker processes (concurrency 1
    each), on ``database_url`` (a fresh database: the first build migrates it)."""
    data_dir.mkdir(parents=True, exist_ok=True)  # nothing else makes it with PostgreSQL
    settings = {**SERVER_SETTINGS, "database_url": database_url, "worker": "false"}
    server = make_server(data_dir, **settings)
    processes: list[subprocess.Popen[bytes]] = []
    logs = [data_dir / f"worker-{n}.log" for n in range(1, workers + 1)]
    try:
        server.start()
        for log in logs:
            processes.append(_start_worker(server.env, log))
        _wait_for_workers(database_url, processes, logs)
        with Client(server.base_url, server.token, timeout=600.0) as client:
            yield Cluster(server, client, processes, database_url, logs)
    finally:
        for process in processes:
            _stop(process)
        server.stop()


class Watch:
    """CPU time and peak RSS of the API and the workers, CPU time of the database's backends and
    WAL bytes, from ``__enter__`` to ``__exit__``; ``figures(wall_seconds)`` afterwards."""

    def __init__(self, cluster: Cluster) -> None:
        self.api_pid = server_pid(cluster.server)
        self.worker_pids = cluster.worker_pids
        self.backends = BackendCpu(cluster.database_url)
        self.api_rss = RssSampler(self.api_pid)
        self.worker_rss = RssSampler(*self.worker_pids)
        self._api_cpu = self._worker_cpu = 0.0
        self.result: dict[str, Any] = {}

    def _workers_cpu(self) -> float:
        return sum(tree_cpu_seconds(pid) for pid in self.worker_pids)

    def __enter__(self) -> Watch:
        self.backends.start()
        self._api_cpu = tree_cpu_seconds(self.api_pid)
        self._worker_cpu = self._workers_cpu()
        self.api_rss.__enter__()
        self.worker_rss.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.worker_rss.__exit__(exc_type, exc, traceback)
        self.api_rss.__exit__(exc_type, exc, traceback)
        if exc_type is not None:
            return
        self.result = {
            "api_cpu_seconds": tree_cpu_seconds(self.api_pid) - self._api_cpu,
            "worker_cpu_seconds": self._workers_cpu() - self._worker_cpu,
            **self.backends.stop(),
            "api_peak_rss_bytes": self.api_rss.report().peak_bytes,
            "worker_peak_rss_bytes": self.worker_rss.report().peak_bytes,
            "worker_baseline_rss_bytes": self.worker_rss.report().baseline_bytes,
        }


def watched(cluster: Cluster, step: Callable[[], T]) -> tuple[T, dict[str, Any]]:
    """What ``step`` returns, and what the watch saw while it ran."""
    with Watch(cluster) as watch:
        outcome = step()
    return outcome, watch.result


@dataclass
class ConcurrentJobs:
    """Several jobs started together, each from its own client thread."""

    operation: str
    timings: list[JobTiming]
    seconds: float  # from the start of the first upload to the last result downloaded

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.timings)

    @property
    def rows_per_second(self) -> float:
        """Aggregate: every job's input rows over the wall time of them all."""
        return self.rows / self.seconds

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "jobs": len(self.timings),
            "rows": self.rows,
            "seconds": self.seconds,
            "rows_per_second": self.rows_per_second,
        }


def concurrent_jobs(
    cluster: Cluster, files: Sequence[tuple[Path, int]], operation: str
) -> ConcurrentJobs:
    """One job per (file, rows), all uploaded at once by one client each; waits for all."""
    server = cluster.server
    barrier = threading.Barrier(len(files) + 1)

    def one(path: Path, rows: int) -> JobTiming:
        with Client(server.base_url, server.token, timeout=600.0) as client:
            barrier.wait(timeout=BARRIER_SECONDS)
            return run_job(client, path, rows, operation)

    with ThreadPoolExecutor(max_workers=len(files), thread_name_prefix="bench-job") as pool:
        futures = [pool.submit(one, path, rows) for path, rows in files]
        barrier.wait(timeout=BARRIER_SECONDS)
        start = time.perf_counter()
        timings = [future.result() for future in futures]
        seconds = time.perf_counter() - start
    return ConcurrentJobs(operation, timings, seconds)
