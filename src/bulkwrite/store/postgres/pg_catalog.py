"""What each record table's columns are, read from PostgreSQL's catalog and cached per store."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, sql

from bulkwrite.store.postgres.pg_ddl import offset_column, pg_name
from bulkwrite.store.postgres.pg_values import KIND_OF_TYPE, Kind

COLUMN_TYPES = """
    SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
    WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped
"""


@dataclass(frozen=True, slots=True)
class Column:
    """One field's column as queries use it: its identifier, kind and offset column if any."""

    name: str
    kind: Kind

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier(pg_name(self.name))

    @property
    def offset_ident(self) -> sql.Identifier | None:
        if self.kind is not Kind.TIMESTAMPTZ:
            return None
        return sql.Identifier(offset_column(self.name))

    def selected(self) -> list[sql.Composable]:
        """The expressions a SELECT lists for this column (the value, then its offset)."""
        offset = self.offset_ident
        return [self.ident] if offset is None else [self.ident, offset]


class Catalog:
    """Column kinds per record table. Columns are only ever added, so an unknown name reloads."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Kind]] = {}
        self._lock = threading.Lock()

    def columns(self, conn: Connection[Any], table: str, names: Sequence[str]) -> list[Column]:
        kinds = self._tables.get(table)
        if kinds is None or any(pg_name(n) not in kinds for n in names):
            kinds = self._load(conn, table)
        return [Column(n, kinds.get(pg_name(n), Kind.TEXT)) for n in names]

    def forget(self, table: str) -> None:
        """Drop what is known of a table (after DDL on it, committed or not)."""
        with self._lock:
            self._tables.pop(table, None)

    def _load(self, conn: Connection[Any], table: str) -> dict[str, Kind]:
        regclass = sql.Identifier(pg_name(table)).as_string(conn)
        rows = conn.execute(COLUMN_TYPES, (regclass,)).fetchall()
        kinds = {str(name): KIND_OF_TYPE.get(str(kind), Kind.TEXT) for name, kind in rows}
        with self._lock:
            self._tables[table] = kinds
        return kinds
