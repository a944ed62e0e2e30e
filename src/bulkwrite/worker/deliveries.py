"""The callback loop beside every worker (embedded and distributed): a thread that sends the
outbox's due deliveries every ``callback_poll_interval`` seconds (``services/callbacks/
outbox.py``). Several loops, in one process or many, never send a delivery at once: each takes
it by compare-and-set."""

from __future__ import annotations

import logging
import threading

from bulkwrite.services.callbacks.outbox import deliver_due, drain_due
from bulkwrite.services.collaborators import Services

log = logging.getLogger(__name__)


class DeliveryLoop:
    """Sends due callbacks on a daemon thread until stopped; a database away (or any other
    error) is logged and the next look comes at the next interval."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callbacks", daemon=True)
        #: Held while the loop or ``drain`` makes attempts: a drain waits for the loop's.
        self._busy = threading.Lock()

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.services.settings.callback_timeout * 3 + 5)

    def drain(self) -> None:
        """Once the loop's attempts in flight are made, attempt every delivery due now, on
        the caller's thread (a queue's ``join()``)."""
        with self._busy:
            drain_due(self.services)

    def tick(self) -> int:
        """One look at the outbox; how many attempts it made."""
        try:
            with self._busy:
                return deliver_due(self.services)
        except Exception:
            log.exception("sending callbacks failed; again in a moment")
            return 0

    def _run(self) -> None:
        interval = self.services.settings.callback_poll_interval
        while not self._stop.is_set():
            if not self.tick():
                self._stop.wait(interval)
