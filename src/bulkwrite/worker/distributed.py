"""The distributed worker: procrastinate workers (PostgreSQL-based, no broker) on any machines.

A job's task is deferred in the same transaction that creates the job
(``queue/procrastinate_queue.py``); any worker may take it. When other worker processes are
alive, it splits the job's file into chunks, each with a task of its own that any worker may take
(``services/run/split.py``): chunks are converted in parallel and written in input order.

A worker that dies mid-job stops sending heartbeats; a keeper beside the task slots of every
surviving worker (``keep``) puts its stalled tasks back in the queue, and the next worker
resumes the job at its first uncommitted chunk. The keeper also gives an open job that
has no task left (retries used up while the database was away) a new run. A task delivered
twice (again after it ended, or beside a run that is still going) changes nothing: chunk plans
are made once, a chunk is written once (compare-and-set), and a job finishes once.

Beside the task slots of every worker process, a callback loop (``worker/deliveries.py``)
sends the outbox's due callbacks; any worker may send any job's callback, one at a time.

A database restart or failover does not stop a worker: a job's run tries its step again
(``services/run/runner.py``), the LISTEN connection reconnects, and the heartbeat and the tasks'
bookkeeping are retried while the database is away. If procrastinate's
worker still stops on its own (its fetch of a task was cut off, or the database stayed away),
it is started again in the same process; when it has kept stopping for ``store_retry_seconds``,
``bulkwrite worker`` exits with status 1, for its supervisor (systemd ``Restart=on-failure``,
Kubernetes, ``docker --restart``) to start it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import procrastinate
from procrastinate import connector as connector_module
from procrastinate import jobs as jobs_module
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.manager import JobManager

from bulkwrite.errors import StateConflict, StoreUnavailable
from bulkwrite.queue.tasks import PREPARE_CHUNK_TASK, RUN_JOB_TASK, TASK_QUEUE, job_lock
from bulkwrite.retry import LONGEST_PAUSE, pauses, persist_async
from bulkwrite.services.collaborators import Services
from bulkwrite.services.run.converter import start_forkserver
from bulkwrite.services.run.split import prepare_chunk, run_shared
from bulkwrite.store.postgres import application_name, connection_lost
from bulkwrite.worker.deliveries import DeliveryLoop

log = logging.getLogger(__name__)
T = TypeVar("T")
#: How the task engine's connections show in ``pg_stat_activity``.
APPLICATION_NAME = "bulkwrite-queue"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
#: A run that gave up waiting for the database (StoreUnavailable) is tried again later.
UNAVAILABLE_RETRY = procrastinate.RetryStrategy(
    max_attempts=5, wait=10, exponential_wait=2, retry_exceptions={StoreUnavailable}
)


def _cause(exc: BaseException) -> str:
    """The first line of what went wrong underneath ``exc``."""
    text = str(exc.__cause__ or exc).strip()
    return text.splitlines()[0] if text else type(exc.__cause__ or exc).__name__


def _lost(exc: BaseException) -> bool:
    """Whether a call of procrastinate's failed because the database is out of reach."""
    return isinstance(exc, ConnectorException) and connection_lost(exc.__cause__)


async def _persist(what: str, patience: float, call: Callable[[], Awaitable[T]]) -> T:
    """``call()``, again after the retry policy's pauses while the database is out of reach."""

    def on_pause(exc: BaseException, pause: float) -> None:
        log.warning(
            "%s: the database is unavailable (%s); again in %.1f s", what, _cause(exc), pause
        )

    return await persist_async(call, _lost, patience, on_pause)


class Connector(procrastinate.PsycopgConnector):
    """procrastinate's connector, whose LISTEN connection comes back after the database does
    (procrastinate's own gives up, and its worker stops, when reconnecting fails once)."""

    async def listen_notify(
        self, on_notification: connector_module.Notify, channels: Iterable[str]
    ) -> None:
        waits = pauses()
        while True:
            began = time.monotonic()
            try:
                await super().listen_notify(on_notification, channels)
                pause = next(waits)
            except ConnectorException as exc:
                if not _lost(exc):
                    raise
                if time.monotonic() - began > LONGEST_PAUSE * 2:
                    waits = pauses()  # it had been listening a while: a new outage
                pause = next(waits)
                log.warning("LISTEN connection lost (%s); again in %.1f s", _cause(exc), pause)
            await asyncio.sleep(pause)  # tasks deferred meanwhile are found by polling


class PatientJobManager(JobManager):
    """The calls a worker's side tasks and task bookkeeping make, retried while the database
    is away (procrastinate stops the worker when a side task fails). Fetching a task is not
    retried: a fetch whose commit was cut off leaves a task marked as this worker's, which is
    only freed when the worker stops (``supervise`` starts it again)."""

    def __init__(self, connector: connector_module.BaseConnector, patience: float) -> None:
        super().__init__(connector)
        self.patience = patience

    async def update_heartbeat(self, worker_id: int) -> None:
        call = super().update_heartbeat
        await _persist("heartbeat", self.patience, lambda: call(worker_id))

    async def finish_job(
        self, job: jobs_module.Job, status: jobs_module.Status, delete_job: bool
    ) -> None:
        call = super().finish_job
        await _persist(f"task {job.id}", self.patience, lambda: call(job, status, delete_job))

    async def retry_job(self, job: jobs_module.Job, *args: Any, **kwargs: Any) -> None:
        call = super().retry_job
        await _persist(f"task {job.id}", self.patience, lambda: call(job, *args, **kwargs))


def make_app(services: Services) -> procrastinate.App:
    """A procrastinate app whose tasks run bulkwrite jobs with ``services``."""
    settings = services.settings
    url = settings.database_url
    app = procrastinate.App(
        connector=Connector(conninfo=url, kwargs=application_name(url, APPLICATION_NAME))
    )
    app.job_manager = PatientJobManager(app.connector, settings.store_retry_seconds)

    @app.task(name=RUN_JOB_TASK, queue=TASK_QUEUE, pass_context=True, retry=UNAVAILABLE_RETRY)
    def run_job_task(context: procrastinate.JobContext, job_id: str) -> None:
        task = context.job
        log.info(
            "job %s: run starts (task %s, worker %s, attempt %d)",
            job_id,
            task.id,
            task.worker_id,
            task.attempts + 1,
        )
        try:
            status = run_shared(services, job_id)
        except StateConflict as exc:  # another delivery of the task is ahead of this one
            log.warning("job %s: another run has it (%s); this one stops", job_id, exc.message)
            return
        log.info("job %s: run ends %s (task %s)", job_id, status.value, task.id)

    @app.task(name=PREPARE_CHUNK_TASK, queue=TASK_QUEUE, pass_context=True, retry=UNAVAILABLE_RETRY)
    def prepare_chunk_task(context: procrastinate.JobContext, job_id: str, chunk_no: int) -> None:
        try:
            prepare_chunk(services, job_id, chunk_no, again=context.job.attempts > 0)
        except StateConflict as exc:  # another delivery wrote this chunk first
            log.warning("job %s: chunk %d: %s; this run stops", job_id, chunk_no, exc.message)

    return app


async def rescue_stalled(app: procrastinate.App, stalled_after: float) -> None:
    """Put the tasks of workers that stopped sending heartbeats back in the queue."""
    for task in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        log.warning("task %s of a dead worker goes back in the queue", task.id)
        try:
            await app.job_manager.retry_job(task)
        except ConnectorException as exc:  # rescued meanwhile by another worker
            log.warning("task %s: not rescued (%s)", task.id, _cause(exc))


async def requeue_orphans(app: procrastinate.App, services: Services) -> None:
    """Give each open job with no task left (its task used up its retries while the database
    was away, or was deleted by hand) a new run: it resumes where the job stands."""
    for job_id in await asyncio.to_thread(_jobs_without_task, services):
        task = app.configure_task(
            RUN_JOB_TASK, lock=job_lock(job_id), queueing_lock=f"requeue-{job_id}"
        )
        try:
            await task.defer_async(job_id=job_id)
        except AlreadyEnqueued:  # another worker did it first
            continue
        log.warning("job %s had no task left: it runs again", job_id)


def _jobs_without_task(services: Services) -> list[str]:
    with services.store.transaction(write=False) as tx:
        return tx.jobs_without_task(TASK_QUEUE)


async def keep(app: procrastinate.App, services: Services, stop: asyncio.Event) -> None:
    """Every ``rescue_interval`` seconds, in each worker process beside its task slots (so it
    never waits for a free one): rescue stalled tasks, then re-queue orphaned jobs."""
    settings = services.settings
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.rescue_interval)
        if stop.is_set():
            return
        try:
            await rescue_stalled(app, settings.stalled_after)
            await requeue_orphans(app, services)
        except ConnectorException as exc:  # the database is away: next time
            log.warning("rescue skipped: the database is unavailable (%s)", _cause(exc))


def worker_options(services: Services, concurrency: int) -> dict[str, Any]:
    settings = services.settings
    return {
        "queues": [TASK_QUEUE],
        "concurrency": concurrency,
        "update_heartbeat_interval": settings.heartbeat_interval,
        "stalled_worker_timeout": settings.stalled_after,
        "delete_jobs": "successful",
        "install_signal_handlers": False,
    }


async def supervise(services: Services, concurrency: int, stop: asyncio.Event) -> int:
    """Run a procrastinate worker until ``stop`` is set; returns the process's exit status.

    A worker that stops on its own is started again after a pause; 1 once it has kept
    stopping for ``store_retry_seconds``. On ``stop``, running tasks finish first.
    """
    patience = services.settings.store_retry_seconds
    trouble_since: float | None = None
    waits = pauses()
    while not stop.is_set():
        opened, why = await _run_once(services, concurrency, stop)
        if stop.is_set():
            break
        now = time.monotonic()
        if trouble_since is None or (opened is not None and now - opened > patience):
            trouble_since, waits = now, pauses()  # it had been running: new trouble
        if now - trouble_since > patience:
            log.error("the worker keeps stopping (%s); exiting for a supervisor to restart it", why)
            return 1
        pause = next(waits)
        log.warning("the worker stopped (%s); starting it again in %.1f s", why, pause)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
    log.info("worker stopped")
    return 0


async def _run_once(
    services: Services, concurrency: int, stop: asyncio.Event
) -> tuple[float | None, str]:
    """One procrastinate worker's life: since when it ran (None: it never opened its
    connections), and why it ended if it did without being asked to."""
    app = make_app(services)
    opened = None
    try:
        async with app.open_async():
            opened = time.monotonic()
            worker = asyncio.ensure_future(
                app.run_worker_async(**worker_options(services, concurrency))
            )
            stopping = asyncio.ensure_future(stop.wait())
            keeper = asyncio.ensure_future(keep(app, services, stop))
            await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            keeper.cancel()
            if not worker.done():
                worker.cancel()  # procrastinate stops fetching and lets running tasks finish
            try:
                await worker
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            return opened, "it stopped by itself"
    except Exception as exc:
        log.exception("the worker failed")
        return opened, f"{type(exc).__name__}: {_cause(exc)}"


def configure_logging() -> None:
    """A worker process's log on stderr: bulkwrite at INFO, procrastinate's warnings."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)


def run_worker(services: Services, concurrency: int) -> int:
    """Run a worker in this process until SIGINT/SIGTERM; returns the exit status.

    The first signal lets running tasks finish; a second one ends the process at once (the
    jobs resume elsewhere, at their first uncommitted chunk).
    """

    async def main() -> int:
        if services.settings.convert_process is not False:
            start_forkserver()
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_signal() -> None:
            log.info("stopping: running tasks finish first (signal again to stop now)")
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        log.info("worker on queue %s, %d at a time", TASK_QUEUE, concurrency)
        deliveries = DeliveryLoop(services)  # callbacks, beside the task slots
        deliveries.start()
        try:
            return await supervise(services, concurrency, stop)
        finally:
            await asyncio.to_thread(deliveries.stop)

    return asyncio.run(main())


class ThreadWorker:
    """A procrastinate worker on a thread of the API process (``serve`` with PostgreSQL), and
    the callback loop beside it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="procrastinate", daemon=True)
        self._ready = threading.Event()
        self.deliveries = DeliveryLoop(services)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=30)
        self.deliveries.start()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
        self.deliveries.stop()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        status = await supervise(self.services, self.services.settings.worker_threads, self._stop)
        if status:
            log.error("the in-process worker gave up: this process runs no jobs any more")
