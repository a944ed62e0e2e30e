"""The embedded queue: worker threads inside the API process."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bulkwrite.store.base import Tx

log = logging.getLogger(__name__)

Handler = Callable[[str], object]


class ThreadQueue:
    """A FIFO of job ids worked by daemon threads; ``join()`` waits until idle."""

    def __init__(self, handler: Handler, threads: int = 1) -> None:
        self._handler = handler
        self._jobs: queue.Queue[str | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._work, name=f"worker-{i}", daemon=True)
            for i in range(threads)
        ]
        self._failures: list[BaseException] = []
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            for thread in self._threads:
                thread.start()

    def defer(self, tx: Tx, job_id: str) -> None:
        """Nothing: the threads are told after the commit (``enqueue``)."""

    def defer_chunk(self, tx: Tx, job_id: str, chunk_no: int) -> None:
        """Nothing: a job's chunks are worked by the thread that runs the job."""

    def enqueue(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._queued:
                return
            self._queued.add(job_id)
        self._jobs.put(job_id)

    def join(self) -> None:
        """Wait until every enqueued job is handled; re-raise the first failure."""
        self._jobs.join()
        with self._lock:
            failures, self._failures = self._failures, []
        if failures:
            raise failures[0]

    def stop(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=30)

    def _work(self) -> None:
        while True:
            job_id = self._jobs.get()
            try:
                if job_id is None:
                    return
                with self._lock:
                    self._queued.discard(job_id)
                self._handler(job_id)
            except BaseException as exc:
                log.exception("worker failed on job %s", job_id)
                with self._lock:
                    self._failures.append(exc)
            finally:
                self._jobs.task_done()
