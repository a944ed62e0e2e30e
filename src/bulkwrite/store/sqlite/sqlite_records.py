"""Record tables in SQLite: batched look-ups, inserts and updates."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import chain

import polars as pl

from bulkwrite.clock import iso, now
from bulkwrite.domain.modules import STAMPED
from bulkwrite.errors import RecordConflict
from bulkwrite.store.base import ChildTotals, StagedInsert
from bulkwrite.store.sqlite.sqlite_ddl import quote

#: Parameters per statement: far below SQLite's limit, large enough to batch well.
BATCH = 2000
#: Rows turned into tuples at a time: each slice is one call that holds the GIL, so API
#: requests beside the worker are not kept waiting for a whole chunk (512 rows: a few ms;
#: 2,048 measured up to 23 ms under load, the same total time).
SLICE = 512


class RecordQueries:
    conn: sqlite3.Connection
    _clock: datetime | None = None

    def clock(self) -> datetime:
        if self._clock is None:
            self._clock = now()
        return self._clock

    def insert_staged(self, staged: StagedInsert) -> None:
        stamp = iso(self.clock())
        self.insert_frame(
            staged.table, staged.frame, {**staged.fixed, **dict.fromkeys(STAMPED, stamp)}
        )

    def match_records(
        self, table: str, column: str, keys: Sequence[object]
    ) -> dict[object, list[tuple[int, int | None]]]:
        """For each key, the (id, last job) of every record whose ``column`` equals it."""
        found: dict[object, list[tuple[int, int | None]]] = {}
        for key, record_id, job in self._matching(table, column, keys):
            found.setdefault(key, []).append((record_id, job))
        return found

    def match_frame(self, table: str, column: str, keys: pl.Series) -> pl.DataFrame:
        """``match_records`` as a frame (``RecordTx.match_frame``). Keys are looked up in
        sorted order: neighbouring probes of the index share its pages."""
        wanted = keys.drop_nulls().unique().sort().to_list()
        found = list(self._matching(table, column, wanted))
        schema = {"key": keys.dtype, "id": pl.Int64(), "job": pl.Int64()}
        return pl.DataFrame(found, schema=schema, orient="row")

    def _matching(
        self, table: str, column: str, keys: Sequence[object]
    ) -> Iterator[tuple[object, int, int | None]]:
        """(value, id, last job) of each record whose ``column`` is among ``keys``."""
        for start in range(0, len(keys), BATCH):
            batch = tuple(keys[start : start + BATCH])
            marks = ",".join("?" * len(batch))
            yield from self.conn.execute(
                f"SELECT {quote(column)}, id, _job FROM {quote(table)} "
                f"WHERE {quote(column)} IN ({marks})",
                batch,
            )

    def insert_frame(
        self, table: str, frame: pl.DataFrame, fixed: Mapping[str, object] | None = None
    ) -> None:
        """One record per row of ``frame`` (columns named as the table's), plus the ``fixed``
        value of each column named there on every row. Raises ``RecordConflict`` when a row
        breaks a unique index (nothing is written)."""
        fixed = fixed or {}
        names = ", ".join(quote(c) for c in [*frame.columns, *fixed])
        marks = ", ".join(["?"] * frame.width + [_literal(v) for v in fixed.values()])
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"
        with self.savepoint():
            try:
                self.conn.executemany(sql, _rows(frame))
            except sqlite3.IntegrityError as exc:
                raise _conflict(exc) from None

    def update_frame(
        self, table: str, frame: pl.DataFrame, fixed: Mapping[str, object] | None = None
    ) -> None:
        """Set each row's values on the record its ``id`` column names (a later row wins);
        ``fixed`` as for ``insert_frame``."""
        fixed = fixed or {}
        names = [n for n in frame.columns if n != "id"]
        sets = [f"{quote(c)} = ?" for c in names]
        sets += [f"{quote(c)} = {_literal(v)}" for c, v in fixed.items()]
        sql = f"UPDATE {quote(table)} SET {', '.join(sets)} WHERE id = ?"
        with self.savepoint():
            try:
                self.conn.executemany(sql, _rows(frame.select(*names, "id")))
            except sqlite3.IntegrityError as exc:
                raise _conflict(exc) from None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo what the block wrote if it raises; the transaction goes on."""
        self.conn.execute("SAVEPOINT bulkwrite_sp")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO bulkwrite_sp")
            self.conn.execute("RELEASE bulkwrite_sp")
            raise
        self.conn.execute("RELEASE bulkwrite_sp")

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
    ) -> list[tuple[object, ...]]:
        names = ", ".join(quote(c) for c in columns)
        where = "WHERE id = ?" if record_id is not None else ""
        params: tuple[object, ...] = (record_id,) if record_id is not None else ()
        direction = "DESC" if descending else "ASC"
        cur = self.conn.execute(
            f"SELECT {names} FROM {quote(table)} {where} ORDER BY {quote(order_by)} "
            f"{direction}, id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return list(cur)

    def record_names(self, table: str, column: str, ids: Sequence[int]) -> dict[int, object]:
        """The ``column`` value (a record's name) of each record among ``ids`` that exists."""
        names: dict[int, object] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            marks = ",".join("?" * len(batch))
            cur = self.conn.execute(
                f"SELECT id, {quote(column)} FROM {quote(table)} WHERE id IN ({marks})",
                tuple(batch),
            )
            names.update((int(record_id), name) for record_id, name in cur)
        return names

    def child_rows(
        self, table: str, parent_column: str, columns: Sequence[str], parent_ids: Sequence[int]
    ) -> list[tuple[object, ...]]:
        """Rows of a child module's table whose ``parent_column`` is among ``parent_ids``:
        ``(parent id, *columns)``, by parent then id (one query per batch of parents)."""
        names = ", ".join(quote(c) for c in (parent_column, *columns))
        rows: list[tuple[object, ...]] = []
        for start in range(0, len(parent_ids), BATCH):
            batch = tuple(parent_ids[start : start + BATCH])
            cur = self.conn.execute(
                f"SELECT {names} FROM {quote(table)} WHERE {quote(parent_column)} IN "
                f"({','.join('?' * len(batch))}) ORDER BY {quote(parent_column)}, id",
                batch,
            )
            rows += cur
        rows.sort(key=_parent_of)  # stable: each parent's rows came in id order
        return rows

    def delete_children(self, table: str, link: str, parent_ids: Sequence[int], job_id: int) -> int:
        """Delete the child rows of ``parent_ids`` that job ``job_id`` did not write."""
        deleted = 0
        for start in range(0, len(parent_ids), BATCH):
            batch = tuple(parent_ids[start : start + BATCH])
            marks = ",".join("?" * len(batch))
            cur = self.conn.execute(
                f"DELETE FROM {quote(table)} WHERE {quote(link)} IN ({marks}) "
                "AND (_job IS NULL OR _job <> ?)",
                (*batch, job_id),
            )
            deleted += cur.rowcount
        return deleted

    def sum_children(self, totals: ChildTotals, job_id: int) -> None:
        """Set each of ``totals.targets`` of the parent records job ``job_id`` wrote to the sum
        of ``totals.summed`` over their child rows."""
        child, link, summed = quote(totals.child), quote(totals.link), quote(totals.summed)
        total = f"coalesce(sum(c.{summed}), 0)"
        targets = ", ".join(quote(target) for target in totals.targets)
        sums = ", ".join(total for _ in totals.targets)  # one pass over a parent's rows
        self.conn.execute(
            f"UPDATE {quote(totals.parent)} AS p SET ({targets}) = "
            f"(SELECT {sums} FROM {child} c WHERE c.{link} = p.id) WHERE p._job = ?",
            (job_id,),
        )


def _parent_of(row: tuple[object, ...]) -> int:
    return int(str(row[0]))


def _conflict(exc: sqlite3.IntegrityError) -> RecordConflict:
    """``UNIQUE constraint failed: <table>.<column>`` as ``RecordConflict`` naming the field."""
    message = str(exc)
    _, found, failed = message.partition("UNIQUE constraint failed: ")
    column = failed.split(", ")[0].rpartition(".")[2] if found else ""
    return RecordConflict(message, {"api_name": column} if column else None)


def _rows(frame: pl.DataFrame) -> Iterator[tuple[object, ...]]:
    """The frame's rows as tuples, made a slice at a time as they are consumed."""
    slices = (frame.slice(offset, SLICE).rows() for offset in range(0, frame.height, SLICE))
    return chain.from_iterable(slices)


def _literal(value: object) -> str:
    """A constant as SQL text: NULL, an integer, or a string without NUL."""
    if value is None:
        return "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"not a constant the store writes as SQL: {value!r}")
