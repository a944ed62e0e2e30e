"""Keyset reads of a SQLite record table (``RecordTx.read_keyset``, in the order of
``store.keyset``): each segment through the index on its key."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bulkwrite.store.keyset import Position, Segment, segments, sort_key
from bulkwrite.store.sqlite.sqlite_ddl import quote


class KeysetQueries:
    conn: sqlite3.Connection

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
        """``RecordTx.read_keyset``: each segment through the index on its key (an index on a
        column holds the rowid, ``id``, after the key: ties are in id order too)."""
        head = f"SELECT {', '.join(quote(c) for c in columns)}, {quote(order_by)}, id "
        head += f"FROM {quote(table)}"
        direction = "DESC" if descending else "ASC"
        if after is None and offset:
            order = f"{quote(order_by)} {direction}, id {direction}"
            cur = self.conn.execute(f"{head} ORDER BY {order} LIMIT ? OFFSET ?", (limit, offset))
            return [_positioned(row) for row in cur]
        rows: list[tuple[tuple[object, ...], Position]] = []
        for segment in segments(order_by, descending, after):
            where, order, params = _segment(order_by, descending, segment)
            sql = f"{head} {where} ORDER BY {order} LIMIT ?"
            rows += (
                _positioned(row) for row in self.conn.execute(sql, (*params, limit - len(rows)))
            )
            if len(rows) >= limit:
                break
        return rows


def _segment(
    order_by: str, descending: bool, segment: Segment
) -> tuple[str, str, tuple[object, ...]]:
    """WHERE, ORDER BY and parameters of one keyset segment."""
    direction, past = ("DESC", "<") if descending else ("ASC", ">")
    key, after = quote(order_by), segment.after
    if order_by == "id":
        where = "" if after is None else f"WHERE id {past} ?"
        return where, f"id {direction}", () if after is None else (after.id,)
    if segment.nulls:
        where = f"WHERE {key} IS NULL" + ("" if after is None else f" AND id {past} ?")
        return where, f"id {direction}", () if after is None else (after.id,)
    where = f"WHERE {key} IS NOT NULL"
    if after is not None:
        where += f" AND ({key}, id) {past} (?, ?)"
    params = () if after is None else (after.key, after.id)
    return where, f"{key} {direction}, id {direction}", params


def _positioned(row: tuple[object, ...]) -> tuple[tuple[object, ...], Position]:
    """A selected row (its columns, then its sort key and id) and its position."""
    return row[:-2], Position(sort_key(row[-2]), int(str(row[-1])))
