"""A transaction of the PostgreSQL store: the shared job, control and split queries with
PostgreSQL's dialect (times as TIMESTAMPTZ), its record queries, and what it alone does: the
task table of procrastinate, DDL that the catalog must hear of, streaming reads."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from psycopg import Connection, sql

from bulkwrite.domain.children import RecordIndex
from bulkwrite.domain.modules import Field
from bulkwrite.store.callbacks import CallbackQueries
from bulkwrite.store.control import ControlQueries
from bulkwrite.store.dashboard import DashboardQueries
from bulkwrite.store.idempotency import IdempotencyQueries
from bulkwrite.store.job_control import JobControlQueries
from bulkwrite.store.jobs import JobQueries
from bulkwrite.store.page_keys import PageKeyQueries
from bulkwrite.store.postgres.pg_catalog import Catalog
from bulkwrite.store.postgres.pg_ddl import add_column_ddl, record_table_ddl, record_table_name
from bulkwrite.store.postgres.pg_keyset import KeysetQueries
from bulkwrite.store.postgres.pg_records import RecordQueries
from bulkwrite.store.queries import Tracer
from bulkwrite.store.splits import SplitQueries
from bulkwrite.store.sql_tx import Dialect

#: The query files of the PostgreSQL store (``store/sql/``).
SOURCES = ("common.sql", "postgres.sql", "procrastinate.sql")
#: Rows fetched per round trip by a streaming read (``chunk_results``: a chunk's result each).
ROWS_PER_FETCH = 16

_cursor_names = itertools.count()


class PostgresDialect(Dialect):
    """Named parameters as psycopg takes them; times as aware datetimes, read back in UTC."""

    def __init__(self) -> None:
        super().__init__(SOURCES, "pyformat")

    def bind_time(self, moment: datetime) -> object:
        return moment

    def read_time(self, value: Any) -> datetime:
        """A TIMESTAMPTZ as the SQLite store returns it: aware, in UTC."""
        moment: datetime = value
        return moment.astimezone(UTC)


class PostgresTx(
    RecordQueries,
    KeysetQueries,
    ControlQueries[Connection[Any]],
    JobQueries[Connection[Any]],
    SplitQueries[Connection[Any]],
    CallbackQueries[Connection[Any]],
    IdempotencyQueries[Connection[Any]],
    JobControlQueries[Connection[Any]],
    PageKeyQueries[Connection[Any]],
    DashboardQueries[Connection[Any]],
):
    """One transaction: every query method of the store, on one pooled connection."""

    def __init__(
        self,
        conn: Connection[Any],
        catalog: Catalog,
        dialect: PostgresDialect,
        tracer: Tracer | None = None,
    ) -> None:
        self.conn = conn
        self.catalog = catalog
        self.dialect = dialect
        self.tracer = tracer
        #: Record tables whose columns this transaction changed (forgotten if it rolls back).
        self.ddl_tables: set[str] = set()

    def defer_task(self, queue: str, task: str, lock: str | None, args: str) -> None:
        """Add a procrastinate task in this transaction: workers see it when it commits."""
        self.run("defer_task", queue=queue, task=task, lock=lock, args=args)

    def jobs_without_task(self, queue: str) -> list[str]:
        """Open jobs none of whose tasks on ``queue`` is waiting or running."""
        return [str(row[0]) for row in self.run("jobs_without_task", queue=queue)]

    def live_workers(self, within: float) -> int:
        """Worker processes that sent a heartbeat in the last ``within`` seconds."""
        return int(self.run("live_workers", within=within).fetchone()[0])

    def stream(self, name: str, /, **params: object) -> Iterator[Any]:
        """The rows of the query read by a server-side cursor, ``ROWS_PER_FETCH`` at a time."""
        query = self.query(name)
        with self.conn.cursor(name=f"bw_{name}_{next(_cursor_names)}") as cur:
            cur.itersize = ROWS_PER_FETCH
            cur.execute(query.text, params)
            yield from cur

    def record_table_name(self, org_id: str, api_name: str) -> str:
        return record_table_name(org_id, api_name)

    def create_record_table(
        self, table: str, fields: tuple[Field, ...], indexes: tuple[RecordIndex, ...] = ()
    ) -> None:
        self._ddl(table, record_table_ddl(table, fields, indexes))

    def add_record_column(self, table: str, field: Field) -> None:
        self._ddl(table, add_column_ddl(table, field))

    def _ddl(self, table: str, statements: list[sql.Composed]) -> None:
        self.ddl_tables.add(table)
        self.catalog.forget(table)
        for statement in statements:
            self.conn.execute(statement)
