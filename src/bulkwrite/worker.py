"""The embedded worker: runs jobs on threads of the API process, resuming open jobs at start."""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING, Protocol

from bulkwrite.files.storage import open_storage
from bulkwrite.queue.inprocess import ThreadQueue
from bulkwrite.services.context import Services
from bulkwrite.services.convert_process import start_forkserver
from bulkwrite.services.runner import run_job
from bulkwrite.settings import Settings
from bulkwrite.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from bulkwrite.store.postgres import PostgresStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

SWITCH_INTERVAL = 0.0005
#: Collect the youngest generation after this many new container objects, not CPython's 700.
GC_YOUNG_THRESHOLD = 50_000


def open_store(settings: Settings) -> SqliteStore | PostgresStore:
    """The store the settings select, not migrated: PostgreSQL for a ``postgresql://`` URL."""
    url = settings.database_url
    if url.startswith(POSTGRES_SCHEMES):
        from bulkwrite.store.postgres import PostgresStore

        return PostgresStore(url, max_size=settings.worker_threads + 8)
    if url and not url.startswith("sqlite:///"):
        raise ValueError(
            "BULKWRITE_DATABASE_URL must be sqlite:///PATH or postgresql://USER@HOST:PORT/DB."
        )
    return SqliteStore(settings.sqlite_path)


def build_services(settings: Settings) -> Services:
    """The store, migrated, and the services around it (no queue attached yet)."""
    store = open_store(settings)
    store.migrate()
    files = open_storage(
        settings.files_url,
        local_root=settings.files_dir,
        cache_dir=settings.cache_dir,
        endpoint_url=settings.s3_endpoint_url,
    )
    return Services(settings, store, files=files)


def tune_gc() -> None:
    """Keep the cyclic garbage collector from pausing the API process for long while a job runs.

    A chunk makes tens of thousands of container objects (its rows as lists, its parameters as
    tuples) that live until it is written. With CPython's default thresholds (700, 10, 10) they
    set off a full collection about once a second, holding the GIL for 60 to 120 ms while it
    walks the whole heap, and middle ones of 10 to 40 ms: the long tail of the job-details
    latency (measured on a 300,000-row insert). So the objects alive at start-up (modules, the
    app) are frozen out of every collection, once per process, and the youngest generation is
    collected about 70 times less often.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def make_worker(services: Services) -> Worker:
    """The worker inside ``serve``: worker threads with SQLite, a procrastinate worker with
    PostgreSQL (so API processes with workers and ``bulkwrite worker`` processes share work)."""
    if services.settings.uses_postgres:
        from bulkwrite.queue.distributed import ThreadWorker

        return ThreadWorker(services)
    return EmbeddedWorker(services)


class EmbeddedWorker:
    """Attach a thread queue to the services; on start, re-enqueue every open job."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.queue = ThreadQueue(
            lambda job_id: run_job(services, job_id), services.settings.worker_threads
        )
        services.queue = self.queue

    def start(self) -> None:
        # Hand the GIL over every millisecond (default 5 ms), so API requests are answered
        # promptly while a worker thread converts cells.
        sys.setswitchinterval(SWITCH_INTERVAL)
        tune_gc()
        if self.services.settings.convert_process is not False:
            start_forkserver()  # the first job's converter then starts warm
        with self.services.store.transaction(write=False) as tx:
            open_jobs = tx.open_job_ids()
        self.queue.start()
        for job_id in open_jobs:
            self.queue.enqueue(job_id)

    def join(self) -> None:
        self.queue.join()

    def stop(self) -> None:
        self.queue.stop()
