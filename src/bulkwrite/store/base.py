"""The store's contract: what every implementation (SQLite now, PostgreSQL at scale) provides.

Services depend on these protocols only; ``tests/contract`` runs one test body over each
implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import polars as pl

from bulkwrite.domain.callback import AttemptRecord, CallbackSecret, Delivery
from bulkwrite.domain.idempotency import KeptAnswer, KeyClaim, KeyedRequest
from bulkwrite.domain.identity import Org, Principal, Profile, StoredFile, User
from bulkwrite.domain.job import ChunkPlan, Counts, Job, JobSplit, JobStatus
from bulkwrite.domain.modules import Field, Module
from bulkwrite.store.dashboard import DashboardTx
from bulkwrite.store.keyset import Position


class ControlTx(Protocol):
    """Orgs, profiles, users, tokens, module definitions and ids."""

    def allocate_ids(self, count: int) -> int:
        """Reserve ``count`` consecutive ids; returns the first."""
        ...

    def new_id(self) -> str: ...

    def create_org(self, name: str) -> Org: ...

    def get_org(self, org_id: str) -> Org | None: ...

    def list_orgs(self) -> list[Org]: ...

    def create_profile(self, profile: Profile) -> Profile: ...

    def get_profile(self, org_id: str, name: str) -> Profile | None: ...

    def create_user(self, org_id: str, email: str, full_name: str, profile: Profile) -> User: ...

    def list_users(self, org_id: str) -> list[User]: ...

    def get_user(self, org_id: str, user_id: str) -> User | None: ...

    def insert_token(
        self, token_hash: str, user_id: str, scopes: frozenset[str], expires: datetime | None
    ) -> None: ...

    def principal_for(self, token_hash: str, at: datetime) -> Principal | None:
        """The caller behind a live token, or None if unknown, revoked or expired."""
        ...

    def revoke_token(self, token_hash: str) -> bool: ...

    def create_module(self, org_id: str, module: Module) -> Module: ...

    def add_field(self, org_id: str, module: Module, field: Field) -> Module:
        """Add a column to a module that may already hold records."""
        ...

    def list_modules(self, org_id: str) -> list[Module]: ...

    def get_module(self, org_id: str, api_name: str) -> Module | None: ...

    def record_table(self, org_id: str, api_name: str) -> str: ...

    def replace_module(self, org_id: str, old: Module, new: Module) -> None:
        """Compare-and-set a module's definition (field attributes; columns are not touched)."""
        ...


class JobTx(Protocol):
    """Files, jobs and their chunks."""

    def defer_task(self, queue: str, task: str, lock: str | None, args: str) -> None:
        """Add a task (``args``: its JSON arguments) to the task table that lives in this
        database, visible to workers when this transaction commits (PostgreSQL only: the
        distributed queue's; SQLite has none)."""
        ...

    def insert_file(self, stored: StoredFile) -> None: ...

    def get_file(self, org_id: str, file_id: str) -> StoredFile | None: ...

    def insert_job(self, job: Job, file_id: str) -> None: ...

    def get_job(self, job_id: str, org_id: str | None = None) -> Job | None: ...

    def open_job_ids(self) -> list[str]: ...

    def jobs_without_task(self, queue: str) -> list[str]:
        """Open jobs none of whose tasks on ``queue`` of the database's task table is waiting
        or running (retries used up while the database was away, or deleted by hand)."""
        ...

    def count_open_jobs(self, org_id: str) -> int: ...

    def move_job(
        self,
        job_id: str,
        source: JobStatus,
        target: JobStatus,
        error: tuple[str, str] | None = None,
    ) -> None:
        """Compare-and-set the job's status; raises StateConflict if it was not ``source``."""
        ...

    def save_chunk(
        self,
        job_id: str,
        chunk_no: int,
        first_row: int,
        counts: Counts,
        rows: int,
        result: bytes,
        at: float | None = None,
    ) -> None:
        """Record one chunk as done; compare-and-set on the count of chunks done. ``at``: the
        commit's time the job's rate is measured by (Unix seconds; default now)."""
        ...

    def next_resource(self, job: Job) -> None:
        """Compare-and-set: a job of several resources, as read in this transaction, has
        written its resource ``job.resource_no`` to its end and moves on to the next one."""
        ...

    def chunk_results(self, job_id: str) -> Iterator[bytes]:
        """Each chunk's rendered result rows, in input order."""
        ...

    def chunk_result(self, job_id: str, chunk_no: int) -> bytes | None:
        """One chunk's rendered result rows (None: not committed, or dropped)."""
        ...

    def mark_result_ready(self, job_id: str) -> None: ...

    def drop_chunk_results(self, job_id: str) -> None: ...

    def insert_retry(self, job_id: str, retry_of: str) -> None:
        """Record that job ``job_id`` retries rows of job ``retry_of`` (beyond-zoho.md §5)."""
        ...

    def retry_links(self, job_id: str) -> tuple[str | None, list[str]]:
        """The job ``job_id`` retries (None: none), and the jobs that retry it, oldest first."""
        ...

    def jobs_with_chunk_results(self, finished_before: datetime) -> list[str]:
        """Jobs that ended before the time and still keep their chunks' rendered rows."""
        ...

    def expired_results(self, before: datetime) -> list[str]: ...

    def expire_result(self, job_id: str) -> None: ...


class SplitTx(Protocol):
    """A job split into chunks that any worker converts; written in input order."""

    def begin_split(self, job_id: str, header: list[str]) -> None:
        """Keep the source header (the first split of the job only)."""
        ...

    def get_split(self, job_id: str) -> JobSplit | None:
        """None when the job was never split."""
        ...

    def end_split(
        self, job_id: str, chunks_total: int, error: tuple[str, str] | None = None
    ) -> None:
        """The file is read (``error``: up to a point it could not be read past)."""
        ...

    def plan_chunk(self, job_id: str, plan: ChunkPlan) -> bool:
        """Record the chunk once; False if it was planned already."""
        ...

    def chunk_plans(self, job_id: str) -> list[ChunkPlan]: ...

    def get_chunk_plan(self, job_id: str, chunk_no: int) -> ChunkPlan | None: ...

    def mark_chunk_prepared(self, job_id: str, chunk_no: int) -> None: ...

    def drop_chunk_plans(self, job_id: str) -> None: ...

    def lock_job(self, job_id: str) -> Job | None:
        """The job, locked against other writers of it until the transaction ends."""
        ...

    def live_workers(self, within: float) -> int:
        """Worker processes that showed signs of life in the last ``within`` seconds."""
        ...


class CallbackTx(Protocol):
    """The callbacks' outbox (one delivery per finished job with a callback) and the orgs'
    signing secrets."""

    def insert_delivery(self, delivery: Delivery) -> None: ...

    def get_delivery(self, delivery_id: str) -> Delivery | None: ...

    def delivery_for_job(self, job_id: str) -> Delivery | None: ...

    def due_deliveries(self, at: datetime, limit: int) -> list[str]:
        """Ids of pending deliveries due at ``at``, the longest due first."""
        ...

    def claim_delivery(self, delivery_id: str, at: datetime, lease_until: datetime) -> bool:
        """Compare-and-set: take a due delivery until ``lease_until``; False if not due."""
        ...

    def record_attempt(
        self, delivery_id: str, lease_until: datetime, attempt: AttemptRecord
    ) -> None:
        """Compare-and-set on the lease; ``StateConflict`` if it was lost."""
        ...

    def get_callback_secret(self, org_id: str) -> CallbackSecret | None: ...

    def insert_callback_secret(self, org_id: str, secret: str, at: datetime) -> None:
        """The org's first secret; nothing if it has one already."""
        ...

    def rotate_callback_secret(
        self, old: CallbackSecret, secret: str, at: datetime, old_until: datetime
    ) -> None:
        """Compare-and-set on the current secret; ``StateConflict`` if it changed."""
        ...


class IdempotencyTx(Protocol):
    """Idempotency keys: each org's first answer to an upload or a create sent with a key."""

    def claim_idempotency_key(self, claim: KeyClaim) -> bool:
        """Keep the answer under the key; False (nothing written) if a live row holds it."""
        ...

    def get_idempotency_key(
        self, request: KeyedRequest, expired_before: datetime
    ) -> KeptAnswer | None: ...

    def delete_expired_idempotency_keys(self, expired_before: datetime) -> int: ...


@dataclass(frozen=True)
class StagedInsert:
    """New records made ready to write before the transaction that writes them: a frame as
    ``insert_frame`` takes it, its ``fixed`` values, and what the store prepared of them
    (``Store.stage_insert``; None: nothing). Their ``STAMPED`` columns get the writing
    transaction's clock."""

    table: str
    frame: pl.DataFrame
    fixed: Mapping[str, object]
    prepared: object = None


class RecordTx(Protocol):
    """Record tables: batched look-ups, writes and reads."""

    def clock(self) -> datetime:
        """The time this transaction stamps records with (``Created_Time``,
        ``Modified_Time``), to the second, the same for every call: PostgreSQL's transaction
        time (the stamped columns' default), SQLite's caller's clock."""
        ...

    def savepoint(self) -> AbstractContextManager[None]:
        """Undo what the block wrote if it raises; the transaction goes on."""
        ...

    def match_records(
        self, table: str, column: str, keys: Sequence[object]
    ) -> dict[object, list[tuple[int, int | None]]]:
        """For each key, the (id, last job) of every record whose ``column`` equals it."""
        ...

    def match_frame(self, table: str, column: str, keys: pl.Series) -> pl.DataFrame:
        """``match_records`` of the distinct non-null ``keys`` as a frame, one row per record
        matched: ``key`` (the value stored, of ``keys``' dtype), ``id`` and ``job`` (Int64)."""
        ...

    def insert_frame(
        self, table: str, frame: pl.DataFrame, fixed: Mapping[str, object] | None = None
    ) -> None:
        """One new record per row of a frame whose columns are named as the table's (values as
        services hold them: Int64, Float64 or String), plus the ``fixed`` value (None, an int
        or a str) of each column named there on every row. Each store takes its fastest path.
        Raises ``RecordConflict`` when a row breaks a unique index, having written nothing."""
        ...

    def insert_staged(self, staged: StagedInsert) -> None:
        """``insert_frame`` of a staged insert, with the ``STAMPED`` columns at ``clock()``;
        raises ``RecordConflict`` as it does, having written nothing."""
        ...

    def update_frame(
        self, table: str, frame: pl.DataFrame, fixed: Mapping[str, object] | None = None
    ) -> None:
        """Set values on existing records: the frame's ``id`` column names the record each row
        sets its other columns on (a record named twice gets the last row's values); ``fixed``
        as for ``insert_frame``."""
        ...

    def read_records(
        self,
        table: str,
        columns: Sequence[str],
        *,
        limit: int,
        offset: int,
        order_by: str = "id",
        descending: bool = False,
        record_id: int | None = None,
    ) -> list[tuple[object, ...]]: ...

    def read_keyset(
        self,
        table: str,
        columns: Sequence[str],
        *,
        limit: int,
        order_by: str = "id",
        descending: bool = False,
        after: Position | None = None,
        offset: int = 0,
    ) -> list[tuple[tuple[object, ...], Position]]:
        """Up to ``limit`` rows of ``columns`` in the order of ``store.keyset``, each with its
        position: those after ``after`` (a keyset read, nothing before it scanned), else those
        after the first ``offset``."""
        ...

    def record_names(self, table: str, column: str, ids: Sequence[int]) -> dict[int, object]:
        """The ``column`` value (a record's name) of each record among ``ids`` that exists."""
        ...

    def child_rows(
        self, table: str, parent_column: str, columns: Sequence[str], parent_ids: Sequence[int]
    ) -> list[tuple[object, ...]]:
        """The rows of a child module (``domain.children``: a subform's, a linking module's,
        a multi-user lookup's) whose ``parent_column`` names one of ``parent_ids``, as
        ``(parent id, *columns)`` in the order of parent then row id; values as
        ``read_records`` gives them. One query per batch of parents, never per parent."""
        ...

    def delete_children(self, table: str, link: str, parent_ids: Sequence[int], job_id: int) -> int:
        """Delete the child rows (column ``link`` among ``parent_ids``) that job ``job_id`` did
        not write; how many went."""
        ...

    def sum_children(self, totals: ChildTotals, job_id: int) -> None:
        """Recompute the parent totals of the parent records job ``job_id`` wrote."""
        ...


@dataclass(frozen=True, slots=True)
class ChildTotals:
    """A parent's computed totals over its subform rows (a Quote's Sub_Total and Grand_Total:
    the sum of its line items' Net_Total): tables and columns."""

    parent: str  # the parent's record table
    child: str  # the subform's record table
    link: str  # the subform's column holding the parent record id
    summed: str  # the subform's column summed
    targets: tuple[str, ...]  # the parent's columns set to the sum


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Which of an org's jobs a list shows; empty ``statuses``: every state."""

    org_id: str
    statuses: tuple[JobStatus, ...] = ()
    module: str | None = None
    operation: str | None = None
    user_id: str | None = None


#: Seconds between the marks a job's rate is measured from (``count_chunk``): the rate spans
#: the chunks committed over the last one to two steps, ~10 s.
RATE_STEP = 5.0


@dataclass(frozen=True, slots=True)
class JobControl:
    """A job's data rows in all (None until counted), whether a cancel was asked for, and
    the rows a second its chunks committed over the last seconds (None: fewer than two chunk
    commits), read from the store so every process sees the same."""

    rows_total: int | None
    cancel_requested: bool
    rows_per_second: float | None = None


class JobControlTx(Protocol):
    """Job control (beyond-zoho.md sections 1-3): the job list, rows in all, the cancel flag."""

    def list_jobs(
        self, where: JobFilter, limit: int, offset: int = 0, before_id: str | None = None
    ) -> list[tuple[Job, JobControl]]:
        """Up to ``limit`` of an org's jobs (with their control) newest first, after
        ``offset``, below ``before_id``."""
        ...

    def set_rows_total(self, job_id: str, rows_total: int) -> bool: ...

    def get_job_control(self, job_id: str) -> JobControl | None: ...

    def request_cancel(self, job_id: str) -> bool:
        """Compare-and-set the cancel flag of a job not ended."""
        ...


class PageKeyTx(Protocol):
    """Each org's key that signs its records page tokens."""

    def get_page_key(self, org_id: str) -> str | None: ...

    def insert_page_key(self, org_id: str, secret: str, at: datetime) -> None:
        """The org's key; nothing if it has one already."""
        ...


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
