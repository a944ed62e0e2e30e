"""The distributed queue: procrastinate workers (PostgreSQL-based, no broker) on any machines.

A job's task is deferred in the same transaction that creates the job (``Tx.enqueue_job``);
any worker may take it. A worker that dies mid-job stops sending heartbeats; a periodic task
on the surviving workers puts its stalled tasks back in the queue, and the next worker resumes
the job at its first uncommitted chunk.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import procrastinate

from bulkwrite.domain.tasks import RUN_JOB_TASK, TASK_QUEUE
from bulkwrite.services.context import Services
from bulkwrite.services.runner import run_job

log = logging.getLogger(__name__)
RESCUE_TASK = "bulkwrite.rescue_stalled"


def make_app(services: Services) -> procrastinate.App:
    """A procrastinate app whose tasks run bulkwrite jobs with ``services``."""
    settings = services.settings
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=settings.database_url)
    )

    @app.task(name=RUN_JOB_TASK, queue=TASK_QUEUE)
    def run_job_task(job_id: str) -> None:
        run_job(services, job_id)

    @app.periodic(cron=f"* * * * * */{max(1, int(settings.rescue_interval))}")
    @app.task(name=RESCUE_TASK, queue=TASK_QUEUE, queueing_lock=RESCUE_TASK, pass_context=True)
    async def rescue_stalled(context: procrastinate.JobContext, timestamp: int) -> None:
        stalled = await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=settings.stalled_after
        )
        for job in stalled:
            log.warning("task %s of a dead worker goes back in the queue", job.id)
            await app.job_manager.retry_job(job)

    return app


def worker_options(services: Services, concurrency: int) -> dict[str, Any]:
    settings = services.settings
    return {
        "queues": [TASK_QUEUE],
        "concurrency": concurrency,
        "update_heartbeat_interval": settings.heartbeat_interval,
        "stalled_worker_timeout": settings.stalled_after,
        "delete_jobs": "successful",
    }


def run_worker(services: Services, concurrency: int) -> None:
    """Run a worker in this process until SIGINT/SIGTERM."""
    app = make_app(services)
    with app.open():
        app.run_worker(**worker_options(services, concurrency))


class ThreadWorker:
    """A procrastinate worker on a thread of the API process (``serve`` with PostgreSQL)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, name="procrastinate", daemon=True)
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=30)

    def stop(self) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        app = make_app(self.services)
        options = worker_options(self.services, self.services.settings.worker_threads)
        async with app.open_async():
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            self._ready.set()
            try:
                await app.run_worker_async(install_signal_handlers=False, **options)
            except asyncio.CancelledError:
                log.info("in-process worker stopped")
