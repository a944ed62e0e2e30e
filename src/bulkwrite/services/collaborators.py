"""What every use case is given: settings, the store, the file storage and the queue. The
composition root (``bootstrap.py``) builds them; services only take them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bulkwrite.files.storage import FileStorage
from bulkwrite.queue.protocol import JobQueue, NoQueue
from bulkwrite.settings import Settings
from bulkwrite.store.base import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    queue: JobQueue = field(default_factory=NoQueue)
    files: FileStorage = field(kw_only=True)
