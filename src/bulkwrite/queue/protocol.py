"""What a queue is to the services: it only says *which* work to do; the durable truth (job state,
counts, which chunks are done) lives in the store.

Work is handed over in two steps. ``defer`` runs inside the transaction that creates the work:
a queue that lives in the database (procrastinate's task table) adds its task there, so the task
exists exactly when the job does. ``enqueue`` runs after that commit: a queue of this process
(worker threads) is told then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bulkwrite.store.base import Tx


class JobQueue(Protocol):
    def defer(self, tx: Tx, job_id: str) -> None:
        """The job's run, inside the transaction that creates the job."""
        ...

    def defer_chunk(self, tx: Tx, job_id: str, chunk_no: int) -> None:
        """A split job's chunk to convert, inside the transaction that plans it."""
        ...

    def enqueue(self, job_id: str) -> None:
        """The job, once the transaction that created it has committed."""
        ...


class NoQueue:
    """A queue that only records what was enqueued (an API process with no worker)."""

    def __init__(self) -> None:
        self.enqueued: list[str] = []

    def defer(self, tx: Tx, job_id: str) -> None:
        """Nothing: this queue is told after the commit."""

    def defer_chunk(self, tx: Tx, job_id: str, chunk_no: int) -> None:
        """Nothing: no other process takes a chunk."""

    def enqueue(self, job_id: str) -> None:
        self.enqueued.append(job_id)
