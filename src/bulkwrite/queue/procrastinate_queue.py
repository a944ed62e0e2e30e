"""The distributed queue: procrastinate's task table, in the PostgreSQL database of the store.

A task is added in the transaction that makes its work (``Tx.defer_task``), so it commits — or
vanishes — with the job or the chunk plan; any worker process on any machine takes it
(``worker/distributed.py``). Nothing is left to do after the commit.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bulkwrite.queue.tasks import PREPARE_CHUNK_TASK, RUN_JOB_TASK, TASK_QUEUE, job_lock

if TYPE_CHECKING:
    from bulkwrite.store.base import Tx


class ProcrastinateQueue:
    def defer(self, tx: Tx, job_id: str) -> None:
        """The job's run: one at a time per job (procrastinate's lock on the job id)."""
        args = json.dumps({"job_id": job_id})
        tx.defer_task(TASK_QUEUE, RUN_JOB_TASK, job_lock(job_id), args)

    def defer_chunk(self, tx: Tx, job_id: str, chunk_no: int) -> None:
        args = json.dumps({"job_id": job_id, "chunk_no": chunk_no})
        tx.defer_task(TASK_QUEUE, PREPARE_CHUNK_TASK, None, args)

    def enqueue(self, job_id: str) -> None:
        """Nothing: the task committed with the job; workers are told by PostgreSQL."""
