"""The composition root: settings → store, file storage, queue → the services, and the worker
that runs jobs. Nothing else builds these; services only take them (DESIGN.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bulkwrite.files.storage import open_storage
from bulkwrite.queue.protocol import JobQueue, NoQueue
from bulkwrite.services.accounts import add_missing_standard_modules
from bulkwrite.services.collaborators import Services
from bulkwrite.settings import Settings
from bulkwrite.store.queries import log_query
from bulkwrite.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from bulkwrite.store.postgres import PostgresStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(settings: Settings) -> SqliteStore | PostgresStore:
    """The store the settings select, not migrated: PostgreSQL for a ``postgresql://`` URL."""
    url = settings.database_url
    tracer = log_query if settings.sql_trace else None
    if url.startswith(POSTGRES_SCHEMES):
        from bulkwrite.store.postgres import PostgresStore

        return PostgresStore(
            url,
            max_size=settings.worker_threads + 8,
            tracer=tracer,
            listen=settings.events_listen,
        )
    if url and not url.startswith("sqlite:///"):
        raise ValueError(
            "BULKWRITE_DATABASE_URL must be sqlite:///PATH or postgresql://USER@HOST:PORT/DB."
        )
    return SqliteStore(settings.sqlite_path, tracer=tracer)


def open_queue(settings: Settings) -> JobQueue:
    """With PostgreSQL, procrastinate's task table (a job's task commits with the job, any
    worker takes it); with SQLite, nothing until an embedded worker attaches its threads."""
    if settings.uses_postgres:
        from bulkwrite.queue.procrastinate_queue import ProcrastinateQueue

        return ProcrastinateQueue()
    return NoQueue()


def build_services(settings: Settings) -> Services:
    """The store, migrated, the file storage and the queue, handed to the services."""
    store = open_store(settings)
    store.migrate()
    files = open_storage(
        settings.files_url,
        local_root=settings.files_dir,
        cache_dir=settings.cache_dir,
        endpoint_url=settings.s3_endpoint_url,
    )
    add_missing_standard_modules(store)
    return Services(settings, store, open_queue(settings), files=files)


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def make_worker(services: Services) -> Worker:
    """The worker inside ``serve``: worker threads with SQLite, a procrastinate worker with
    PostgreSQL (so API processes with workers and ``bulkwrite worker`` processes share work)."""
    if services.settings.uses_postgres:
        from bulkwrite.worker.distributed import ThreadWorker

        return ThreadWorker(services)
    from bulkwrite.worker.embedded import EmbeddedWorker

    return EmbeddedWorker(services)
