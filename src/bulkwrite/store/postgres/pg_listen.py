"""Job changes as PostgreSQL announces them: one ``LISTEN`` connection per process (started by
the first subscriber, held by a daemon thread), fanned out to every subscriber of the job named
by each notification. The ``jobs_changed`` trigger (``pg_ddl._V11_CTL``) sends the job's id in
the transaction that changes its row, so a notification arrives only once the change is
committed, whichever process or machine made it.

Notifications sent while the connection is down are lost: ``listening`` is then False (the
subscribers poll at their own pace meanwhile), and every subscriber is woken once the
connection is back, so nothing missed waits for a poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg

from bulkwrite.store.postgres.pg_ddl import JOBS_CHANNEL

log = logging.getLogger(__name__)

#: How long the thread waits for a notification before it looks whether it should stop.
_IDLE_SECONDS = 1.0
#: How long it waits before connecting again after the connection was lost.
_RECONNECT_SECONDS = 1.0

Wake = Callable[[], None]


class PgJobWatch:
    """Wakes the subscribers of a job when a change of its row is committed."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Wake]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()

    @property
    def listening(self) -> bool:
        """Whether notifications are being received now."""
        return self._listening.is_set()

    def subscribe(self, job_id: str, wake: Wake) -> Callable[[], None]:
        """Call ``wake`` (from the listening thread; it must not block) each time job
        ``job_id`` changes; returns the call that ends the subscription."""
        with self._lock:
            self._subscribers.setdefault(job_id, set()).add(wake)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="bulkwrite-listen", daemon=True
                )
                self._thread.start()

        def unsubscribe() -> None:
            with self._lock:
                waiting = self._subscribers.get(job_id)
                if waiting is not None:
                    waiting.discard(wake)
                    if not waiting:
                        del self._subscribers[job_id]

        return unsubscribe

    def subscribed(self) -> int:
        """How many subscriptions are open (the leak tests read it)."""
        with self._lock:
            return sum(len(waiting) for waiting in self._subscribers.values())

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(_IDLE_SECONDS * 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(f"LISTEN {JOBS_CHANNEL}")
                    self._listening.set()
                    self._wake_all()  # what changed while it was not listening
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=_IDLE_SECONDS):
                            self._wake(notice.payload)
            except psycopg.Error as exc:
                log.warning("listening for job changes stopped (%s); polling meanwhile", exc)
            finally:
                self._listening.clear()
            self._stop.wait(_RECONNECT_SECONDS)

    def _wake(self, job_id: str) -> None:
        with self._lock:
            waiting = list(self._subscribers.get(job_id, ()))
        for wake in waiting:
            wake()

    def _wake_all(self) -> None:
        with self._lock:
            waiting = [w for subscribers in self._subscribers.values() for w in subscribers]
        for wake in waiting:
            wake()
