"""The embedded worker: runs jobs on threads of the API process, resuming open jobs at start."""

from __future__ import annotations

import sys

from bulkwrite.queue.inprocess import ThreadQueue
from bulkwrite.services.context import Services
from bulkwrite.services.runner import run_job
from bulkwrite.settings import Settings
from bulkwrite.store.sqlite import SqliteStore

SWITCH_INTERVAL = 0.0005


def build_services(settings: Settings) -> Services:
    """The store, migrated, and the services around it (no queue attached yet)."""
    if settings.database_url and not settings.database_url.startswith("sqlite:///"):
        raise ValueError(
            "Only SQLite (sqlite:///PATH) is supported as BULKWRITE_DATABASE_URL so far."
        )
    store = SqliteStore(settings.sqlite_path)
    store.migrate()
    return Services(settings, store)


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
        with self.services.store.transaction(write=False) as tx:
            open_jobs = tx.open_job_ids()
        self.queue.start()
        for job_id in open_jobs:
            self.queue.enqueue(job_id)

    def join(self) -> None:
        self.queue.join()

    def stop(self) -> None:
        self.queue.stop()
