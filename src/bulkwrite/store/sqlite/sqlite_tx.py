"""A transaction of the SQLite store: the shared job, control and split queries with SQLite's
dialect (times as ISO-8601 text), its record queries, and what it alone does."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from bulkwrite.clock import iso, parse_iso
from bulkwrite.domain.children import RecordIndex
from bulkwrite.domain.modules import Field
from bulkwrite.store.callbacks import CallbackQueries
from bulkwrite.store.control import ControlQueries
from bulkwrite.store.dashboard import DashboardQueries
from bulkwrite.store.idempotency import IdempotencyQueries
from bulkwrite.store.job_control import JobControlQueries
from bulkwrite.store.jobs import JobQueries
from bulkwrite.store.page_keys import PageKeyQueries
from bulkwrite.store.queries import Tracer
from bulkwrite.store.splits import SplitQueries
from bulkwrite.store.sql_tx import Dialect
from bulkwrite.store.sqlite.sqlite_ddl import column_type, quote, record_table_ddl, unique_index_ddl
from bulkwrite.store.sqlite.sqlite_keyset import KeysetQueries
from bulkwrite.store.sqlite.sqlite_records import RecordQueries

#: The query files of the SQLite store (``store/sql/``).
SOURCES = ("common.sql", "sqlite.sql")


class SqliteDialect(Dialect):
    """Named parameters as sqlite3 takes them; times as ISO-8601 text, in UTC, which sorts as
    the times do."""

    def __init__(self) -> None:
        super().__init__(SOURCES, "named")

    def bind_time(self, moment: datetime) -> object:
        return iso(moment.astimezone(UTC) if moment.tzinfo else moment)

    def read_time(self, value: Any) -> datetime:
        return parse_iso(str(value))


class SqliteTx(
    RecordQueries,
    KeysetQueries,
    ControlQueries[sqlite3.Connection],
    JobQueries[sqlite3.Connection],
    SplitQueries[sqlite3.Connection],
    CallbackQueries[sqlite3.Connection],
    IdempotencyQueries[sqlite3.Connection],
    JobControlQueries[sqlite3.Connection],
    PageKeyQueries[sqlite3.Connection],
    DashboardQueries[sqlite3.Connection],
):
    """One transaction: every query method of the store, on one connection."""

    def __init__(
        self, conn: sqlite3.Connection, dialect: SqliteDialect, tracer: Tracer | None = None
    ) -> None:
        self.conn = conn
        self.dialect = dialect
        self.tracer = tracer

    def defer_task(self, queue: str, task: str, lock: str | None, args: str) -> None:
        """SQLite has no task table: its jobs run on the in-process queue."""
        raise NotImplementedError("SQLite has no task table; use the in-process queue")

    def jobs_without_task(self, queue: str) -> list[str]:
        """None: SQLite has no task table (the embedded worker enqueues every open job at start)."""
        return []

    def live_workers(self, within: float) -> int:
        """One: the worker inside the API process (SQLite has no other)."""
        return 1

    def record_table_name(self, org_id: str, api_name: str) -> str:
        return f"rec_{org_id}_{api_name.lower()}"

    def create_record_table(
        self, table: str, fields: tuple[Field, ...], indexes: tuple[RecordIndex, ...] = ()
    ) -> None:
        for statement in record_table_ddl(table, fields, indexes):
            self.conn.execute(statement)

    def add_record_column(self, table: str, field: Field) -> None:
        self.conn.execute(
            f"ALTER TABLE {quote(table)} ADD COLUMN {quote(field.api_name)} {column_type(field)}"
        )
        if field.unique:
            self.conn.execute(unique_index_ddl(table, field))
