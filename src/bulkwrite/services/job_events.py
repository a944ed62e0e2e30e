"""The live stream of a job's details (beyond-zoho.md section 2): what changed since the last
event, read from the store, so any API process can serve any job's stream.

**The store is polled** at ``EVENTS_PER_SECOND`` per stream (both stores): a chunk commit or a
state change is seen within one pause, whatever process or machine ran it.
"""

from __future__ import annotations

import json
from typing import Any

from bulkwrite.domain.identity import Principal
from bulkwrite.services.collaborators import Services
from bulkwrite.services.details import job_details

#: At most this many details events a second, and as many store reads per open stream.
EVENTS_PER_SECOND = 4
#: A comment line this often keeps proxies from closing a quiet stream.
HEARTBEAT_SECONDS = 15
#: The states after which the stream sends ``end`` and closes.
ENDED = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
#: Keys of ``progress`` that move with the clock alone: a change there is no new event.
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
    for key in _CLOCK_KEYS:
        progress.pop(key, None)
    return json.dumps({**document, "progress": progress}, sort_keys=True, default=str)


def ended(document: dict[str, Any]) -> bool:
    return document.get("status") in ENDED
