"""The live stream of a job's details (beyond-zoho.md section 2): what changed since the last
event, read from the store, so any API process can serve any job's stream.

**On PostgreSQL, the store announces each change** (a NOTIFY in the transaction that commits a
chunk or changes the job's state, ``store/postgres/pg_listen.py``): a stream reads the job when
told, at most ``EVENTS_PER_SECOND`` times a second, and otherwise polls every
``POLL_LISTENING_SECONDS`` as a safety net. **SQLite is polled** ``EVENTS_PER_SECOND`` times a
second per stream, and so is PostgreSQL while its listening connection is down. Either way a
change is seen whatever process or machine made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import anyio

from bulkwrite.domain.identity import Principal
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import job_details

#: At most this many details events a second, and as many store reads per open stream.
EVENTS_PER_SECOND = 4
#: How often a stream reads the store anyway while the store announces changes.
POLL_LISTENING_SECONDS = 5.0
#: A stream waiting on announcements looks this often whether they still come.
_CHECK_SECONDS = 1.0
#: A comment line this often keeps proxies from closing a quiet stream.
HEARTBEAT_SECONDS = 15
#: The states after which the stream sends ``end`` and closes.
ENDED = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
#: Keys of ``progress`` that move with the clock alone: a change of value there is no new
#: event, but a change to or from null (a job stalling, or moving again) is.
_CLOCK_KEYS = ("rows_per_second", "eta_seconds")


class DetailStream:
    """One client's stream: the job's details each time they change."""

    def __init__(
        self, services: Services, principal: Principal, job_id: str, version: str, base: str
    ) -> None:
        self.services, self.principal = services, principal
        self.job_id, self.version, self.base = job_id, version, base
        self._last: str | None = None

    def poll(self) -> dict[str, Any] | None:
        """The details if they changed since the last poll (the first poll always answers);
        a job gone or no longer readable raises as job details does."""
        document = job_details(self.services, self.principal, self.job_id, self.version, self.base)
        mark = _fingerprint(document)
        if mark == self._last:
            return None
        self._last = mark
        return document


def _fingerprint(document: dict[str, Any]) -> str:
    progress = dict(document.get("progress") or {})
    for key in _CLOCK_KEYS:  # their values are no news; their going (a stall) or coming is
        progress[key] = progress.get(key) is None
    return json.dumps({**document, "progress": progress}, sort_keys=True, default=str)


def ended(document: dict[str, Any]) -> bool:
    return document.get("status") in ENDED


class ChangeSignal:
    """When one stream should read its job again: on the store's announcement of a change,
    else after a poll's pause. Made and awaited in the stream's event loop; ``close()``
    ends its subscription."""

    def __init__(self, services: Services, job_id: str) -> None:
        self._watch = services.store.job_watch()
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._last_read = time.monotonic()
        self._unsubscribe: Callable[[], None] | None = None
        if self._watch is not None:
            self._unsubscribe = self._watch.subscribe(job_id, self._wake)

    def _wake(self) -> None:  # from the listening thread
        with contextlib.suppress(RuntimeError):  # a closed loop: its stream is gone
            self._loop.call_soon_threadsafe(self._changed.set)

    def _listening(self) -> bool:
        return self._watch is not None and self._watch.listening

    async def wait(self) -> None:
        """Until the job changed (or may have), and at least 1/``EVENTS_PER_SECOND`` since
        the last read."""
        deadline = time.monotonic() + POLL_LISTENING_SECONDS
        while True:
            listening = self._listening()
            pause = _CHECK_SECONDS if listening else 1 / EVENTS_PER_SECOND
            with anyio.move_on_after(min(pause, max(0.0, deadline - time.monotonic()))):
                await self._changed.wait()
            if self._changed.is_set() or not listening or time.monotonic() >= deadline:
                break
        self._changed.clear()
        spare = 1 / EVENTS_PER_SECOND - (time.monotonic() - self._last_read)
        if spare > 0:
            await anyio.sleep(spare)
        self._last_read = time.monotonic()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
