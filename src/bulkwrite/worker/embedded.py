"""The embedded worker: runs jobs on threads of the API process, resuming open jobs at start."""

from __future__ import annotations

import gc
import sys

from bulkwrite.queue.inprocess import ThreadQueue
from bulkwrite.services.collaborators import Services
from bulkwrite.services.run.converter import start_forkserver
from bulkwrite.services.run.runner import run_job
from bulkwrite.worker.deliveries import DeliveryLoop

SWITCH_INTERVAL = 0.0005
#: Collect the youngest generation after this many new container objects, not CPython's 700.
GC_YOUNG_THRESHOLD = 50_000


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


class EmbeddedWorker:
    """Attach a thread queue to the services; on start, re-enqueue every open job. Beside it,
    the callback loop sends due deliveries."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.queue = ThreadQueue(
            lambda job_id: run_job(services, job_id), services.settings.worker_threads
        )
        services.queue = self.queue
        self.deliveries = DeliveryLoop(services)

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
        self.deliveries.start()

    def join(self) -> None:
        """Wait until every enqueued job is handled (re-raising the first failure), then
        attempt every callback delivery due now."""
        self.queue.join()
        self.deliveries.drain()

    def stop(self) -> None:
        self.queue.stop()
        self.deliveries.stop()
