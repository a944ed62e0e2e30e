"""Keyset reads of a PostgreSQL record table (``RecordTx.read_keyset``, in the order of
``store.keyset``), and the order and row reading they share with ``pg_records``' page reads: a
key kept as its text, JSON lists sorted by their text, datetimes read back as SQLite returns
them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Connection, sql

from bulkwrite.store.keyset import Position, Segment, segments, sort_key
from bulkwrite.store.postgres.pg_catalog import Catalog, Column
from bulkwrite.store.postgres.pg_ddl import ident
from bulkwrite.store.postgres.pg_values import Kind, read_value


class KeysetQueries:
    conn: Connection[Any]
    catalog: Catalog

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
        """``RecordTx.read_keyset``: a key is kept as its text (compared cast back to the
        column's type); each segment in its index's own order (NULLs apart)."""
        cols = self.catalog.columns(self.conn, table, columns)
        (order,) = self.catalog.columns(self.conn, table, [order_by])
        expression = order_expression(order)
        key = sql.SQL("({})::text").format(expression) if order_by != "id" else sql.SQL("id")
        head = sql.SQL("SELECT {columns}, {key}, id FROM {table} ").format(
            columns=sql.SQL(", ").join(c for col in cols for c in col.selected()),
            key=key,
            table=ident(table),
        )
        read = row_reader(cols)

        def positioned(row: Sequence[object]) -> tuple[tuple[object, ...], Position]:
            return read(row[:-2]), Position(sort_key(row[-2]), int(str(row[-1])))

        if after is None and offset:
            nulls = "DESC NULLS LAST" if descending else "ASC NULLS FIRST"
            if order_by == "id":  # never NULL: the primary key's own order
                nulls = "DESC" if descending else "ASC"
            ordered = sql.SQL("ORDER BY {} {}, id {} LIMIT %s OFFSET %s").format(
                expression, sql.SQL(nulls), sql.SQL("DESC" if descending else "ASC")
            )
            return [positioned(r) for r in self.conn.execute(head + ordered, (limit, offset))]
        rows: list[tuple[tuple[object, ...], Position]] = []
        for segment in segments(order_by, descending, after):
            rest, params = _segment(order, expression, descending, segment)
            found = self.conn.execute(head + rest, (*params, limit - len(rows)))
            rows += (positioned(row) for row in found)
            if len(rows) >= limit:
                break
        return rows


def _segment(
    order: Column, expression: sql.Composable, descending: bool, segment: Segment
) -> tuple[sql.Composable, tuple[object, ...]]:
    """WHERE, ORDER BY and LIMIT of one keyset segment, and its parameters but the limit."""
    direction = sql.SQL("DESC" if descending else "ASC")
    past = sql.SQL("<" if descending else ">")
    after = segment.after
    if order.name == "id" or segment.nulls:
        where = sql.SQL("" if order.name == "id" else "WHERE {} IS NULL").format(order.ident)
        if after is not None:
            glue = sql.SQL("WHERE" if order.name == "id" else "AND")
            where = sql.SQL("{} {} id {} %s").format(where, glue, past)
        params: tuple[object, ...] = () if after is None else (after.id,)
        return sql.SQL("{} ORDER BY id {} LIMIT %s").format(where, direction), params
    where = sql.SQL("WHERE {} IS NOT NULL").format(order.ident)
    params = ()
    if after is not None:
        cast = sql.SQL("text" if order.kind is Kind.JSONB else order.kind.value)
        where = sql.SQL("{} AND ({}, id) {} (%s::{}, %s)").format(where, expression, past, cast)
        params = (after.key, after.id)
    ordered = sql.SQL("{} ORDER BY {} {}, id {} LIMIT %s").format(
        where, expression, direction, direction
    )
    return ordered, params


def order_expression(col: Column) -> sql.Composable:
    """Sort as SQLite does: JSON lists by their text, byte-wise (text columns are "C")."""
    if col.kind is Kind.JSONB:
        return sql.SQL('({}::text) COLLATE "C"').format(col.ident)
    return col.ident


def row_reader(cols: list[Column]) -> Callable[[Sequence[object]], tuple[object, ...]]:
    """A selected row (datetimes followed by their offset) → values as SQLite returns them."""
    plain = all(c.kind in (Kind.TEXT, Kind.BIGINT) for c in cols)

    def read(row: Sequence[object]) -> tuple[object, ...]:
        if plain:
            return tuple(row)
        out: list[object] = []
        position = 0
        for col in cols:
            if col.kind is Kind.TIMESTAMPTZ:
                out.append(read_value(col.kind, row[position], row[position + 1]))
                position += 2
            else:
                out.append(read_value(col.kind, row[position]))
                position += 1
        return tuple(out)

    return read
