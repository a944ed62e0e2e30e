"""What the shared job, control and split queries (``jobs.py``, ``control.py``, ``splits.py``)
need of a store's transaction: its connection, its dialect, and a way to run a named query.

Both drivers (sqlite3, psycopg) execute a statement with a mapping of named parameters on the
connection and hand back a cursor, so one ``run`` serves both; what differs is in the
``Dialect`` (the query files a store loads, and how times are bound and read back) and in the
few methods each store's transaction class defines itself (record-table DDL, the task table).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from bulkwrite.domain.children import RecordIndex
from bulkwrite.domain.modules import Field
from bulkwrite.errors import StateConflict
from bulkwrite.store.queries import Paramstyle, Query, Tracer, load


class Cursor(Protocol):
    """The part of a DB-API cursor the shared queries use."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection that runs one statement with named parameters (sqlite3's and psycopg's)."""

    def execute(self, sql: str, parameters: Mapping[str, Any], /) -> Cursor: ...


C = TypeVar("C", bound=Connection)


class Dialect(ABC):
    """One backend's named queries, and how the values they bind and read are written there.

    Booleans need no adapting: sqlite3 binds ``True`` as 1, and ``bool()`` reads either.
    """

    def __init__(self, sources: tuple[str, ...], paramstyle: Paramstyle) -> None:
        self.sources = sources
        self.queries: Mapping[str, Query] = load(sources, paramstyle)

    @abstractmethod
    def bind_time(self, moment: datetime) -> object:
        """An aware datetime as the backend's time columns take it."""

    @abstractmethod
    def read_time(self, value: Any) -> datetime:
        """A time column's value as an aware datetime in UTC."""

    def bind_optional_time(self, moment: datetime | None) -> object:
        return None if moment is None else self.bind_time(moment)

    def read_optional_time(self, value: Any) -> datetime | None:
        return None if value is None else self.read_time(value)


class SqlTx(ABC, Generic[C]):
    """The base of a store's transaction class: named queries on its connection (of type
    ``C``: sqlite3's or psycopg's)."""

    conn: C
    dialect: Dialect
    tracer: Tracer | None

    def query(self, name: str) -> Query:
        """The named query, told to the tracer as it is about to run."""
        query = self.dialect.queries[name]
        if self.tracer is not None:
            self.tracer(query)
        return query

    def run(self, name: str, /, **params: object) -> Cursor:
        return self.conn.execute(self.query(name).text, params)

    def compare_and_set(self, name: str, conflict: str, /, **params: object) -> None:
        """Run a write that must change exactly one row; else raise ``StateConflict``."""
        if self.run(name, **params).rowcount != 1:
            raise StateConflict(conflict)

    def stream(self, name: str, /, **params: object) -> Iterator[Any]:
        """The rows of a query that may be large, as the backend reads them best."""
        yield from self.run(name, **params)

    @abstractmethod
    def record_table_name(self, org_id: str, api_name: str) -> str:
        """The name of a new module's record table."""

    @abstractmethod
    def create_record_table(
        self, table: str, fields: tuple[Field, ...], indexes: tuple[RecordIndex, ...] = ()
    ) -> None:
        """CREATE TABLE, unique indexes and ``indexes`` of a new module's records."""

    @abstractmethod
    def add_record_column(self, table: str, field: Field) -> None:
        """A new field's column (and unique index) on a record table."""
