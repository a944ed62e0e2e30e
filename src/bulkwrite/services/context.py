"""What every use case needs: settings, the store, the file storage and the queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bulkwrite.files.storage import FileStorage
from bulkwrite.settings import Settings
from bulkwrite.store.base import Store


class JobQueue(Protocol):
    """Says which job to work on; the durable truth lives in the store."""

    def enqueue(self, job_id: str) -> None: ...


class NoQueue:
    """A queue that only records what was enqueued (an API process with no worker)."""

    def __init__(self) -> None:
        self.enqueued: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.enqueued.append(job_id)


@dataclass
class Services:
    settings: Settings
    store: Store
    queue: JobQueue = field(default_factory=NoQueue)
    files: FileStorage = field(kw_only=True)
