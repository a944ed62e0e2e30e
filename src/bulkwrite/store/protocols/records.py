"""The transaction's record area: batched look-ups, writes and reads of record tables
(``RecordTx``), a staged insert (``StagedInsert``) and a parent's totals over its subform rows
(``ChildTotals``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import polars as pl

from bulkwrite.store.keyset import Position


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
