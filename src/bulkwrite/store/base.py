"""The store's contract: what every implementation (SQLite now, PostgreSQL at scale) provides.

``Tx`` joins the protocols of each area of a transaction (``store.protocols``: control, jobs,
records, callbacks, keys, job control; ``store.dashboard``: the dashboard's); ``Store`` opens
transactions. Services depend on these protocols only; ``tests/contract`` runs one test body over
each implementation. The areas' names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from bulkwrite.store.dashboard import DashboardTx
from bulkwrite.store.protocols.callbacks import CallbackTx
from bulkwrite.store.protocols.control import ControlTx
from bulkwrite.store.protocols.job_control import RATE_STEP, JobControl, JobControlTx, JobFilter
from bulkwrite.store.protocols.jobs import JobTx, SplitTx
from bulkwrite.store.protocols.keys import IdempotencyTx, PageKeyTx
from bulkwrite.store.protocols.records import ChildTotals, RecordTx, StagedInsert

__all__ = [
    "RATE_STEP",
    "CallbackTx",
    "ChildTotals",
    "ControlTx",
    "IdempotencyTx",
    "JobControl",
    "JobControlTx",
    "JobFilter",
    "JobTx",
    "JobWatch",
    "PageKeyTx",
    "RecordTx",
    "SplitTx",
    "StagedInsert",
    "Store",
    "Tx",
]


class Tx(
    ControlTx,
    JobTx,
    SplitTx,
    CallbackTx,
    RecordTx,
    IdempotencyTx,
    JobControlTx,
    PageKeyTx,
    DashboardTx,
    Protocol,
):
    """One transaction of the store."""


class JobWatch(Protocol):
    """Changes of jobs committed by any process, as the database announces them (PostgreSQL
    LISTEN/NOTIFY)."""

    @property
    def listening(self) -> bool:
        """Whether announcements are received now (else a subscriber polls)."""
        ...

    def subscribe(self, job_id: str, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` (from another thread; it must not block) on each change of job
        ``job_id``; returns the call that ends the subscription."""
        ...


class Store(Protocol):
    def job_watch(self) -> JobWatch | None:
        """The process's listener for job changes; None: the store announces none (poll)."""
        ...

    def transaction(self, write: bool = True) -> AbstractContextManager[Tx]:
        """A unit of work: commits when the block ends, rolls back if it raises."""
        ...

    def migrate(self) -> int:
        """Apply the migrations not yet applied; returns the schema version."""
        ...

    def stage_insert(self, staged: StagedInsert) -> StagedInsert:
        """``staged`` with what the store can prepare outside a transaction (PostgreSQL: its
        COPY payload, rendered while another chunk's transaction runs)."""
        ...

    def close(self) -> None: ...
