"""What every use case is given: settings, the store, the file storage, the queue and the
clock that reads (not writes) measure time by. The composition root (``bootstrap.py``) builds
them; services only take them."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    #: Now, in Unix seconds, for what a read derives from the time (a stalled job's rate).
    clock: Callable[[], float] = field(default=time.time, kw_only=True)
