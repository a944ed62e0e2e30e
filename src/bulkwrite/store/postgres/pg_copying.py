"""COPY into PostgreSQL: rows, frames (one payload rendered by polars), and inserts staged
before their transaction (``Store.stage_insert``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from psycopg import Connection, sql

from bulkwrite.domain.modules import STAMPED
from bulkwrite.store.base import StagedInsert
from bulkwrite.store.postgres.pg_catalog import Catalog, Column
from bulkwrite.store.postgres.pg_frames import COPY_OPTIONS, copy_payload
from bulkwrite.store.postgres.pg_values import Kind, offset_of, writer

COPY = "COPY {table} ({columns}) FROM STDIN"
COPY_FRAME = "COPY {table} ({columns}) FROM STDIN " + COPY_OPTIONS


def copy_rows(
    conn: Connection[Any],
    target: sql.Identifier,
    cols: list[Column],
    rows: Iterable[Sequence[object]],
) -> None:
    """COPY rows (values in ``cols`` order) into ``target``, with each datetime's offset."""
    listed = sql.SQL(", ").join(copy_columns(cols))
    convert = row_converter(cols)
    with conn.cursor() as cur, cur.copy(sql.SQL(COPY).format(table=target, columns=listed)) as copy:
        for row in rows:
            copy.write_row(convert(row))


def copy_frame(
    conn: Connection[Any], target: sql.Identifier, cols: list[Column], frame: pl.DataFrame
) -> None:
    """COPY a frame (columns in ``cols`` order): one payload rendered by polars when every
    column allows it, else row by row."""
    payload = copy_payload(frame, cols)
    if payload is None:
        copy_rows(conn, target, cols, frame.rows())
    else:
        copy_pieces(conn, target, cols, payload)


def copy_pieces(
    conn: Connection[Any], target: sql.Identifier, cols: list[Column], pieces: Iterable[bytes]
) -> None:
    """COPY a payload ``copy_payload`` rendered for ``cols``, piece by piece."""
    listed = sql.SQL(", ").join(copy_columns(cols))
    query = sql.SQL(COPY_FRAME).format(table=target, columns=listed)
    with conn.cursor() as cur, cur.copy(query) as copy:
        for piece in pieces:
            copy.write(piece)


@dataclass(frozen=True)
class StagedCopy:
    """A staged insert's COPY: the columns and the CSV payload rendered for them."""

    columns: list[Column]
    pieces: tuple[bytes, ...]


def stage_copy(conn: Connection[Any], catalog: Catalog, staged: StagedInsert) -> StagedInsert:
    """``staged`` with its COPY payload rendered (``Store.stage_insert``), if polars can: its
    fixed values on every row, the ``STAMPED`` columns left to their default."""
    fixed = {n: v for n, v in staged.fixed.items() if n not in STAMPED}
    frame = with_fixed(staged.frame, fixed)
    cols = catalog.columns(conn, staged.table, frame.columns)
    payload = copy_payload(frame, cols)
    if payload is None:
        return staged
    return StagedInsert(staged.table, frame, {}, StagedCopy(cols, tuple(payload)))


def with_fixed(frame: pl.DataFrame, fixed: Mapping[str, object] | None) -> pl.DataFrame:
    """The frame with a column per ``fixed`` name holding its value on every row."""
    if not fixed:
        return frame
    return frame.with_columns(_literal(value).alias(name) for name, value in fixed.items())


def _literal(value: object) -> pl.Expr:
    if isinstance(value, bool):
        return pl.lit(value)
    if isinstance(value, int):
        return pl.lit(value, dtype=pl.Int64)
    if isinstance(value, float):
        return pl.lit(value, dtype=pl.Float64)
    return pl.lit(value, dtype=pl.String) if isinstance(value, str) else pl.lit(value)


def copy_columns(cols: list[Column]) -> list[sql.Identifier]:
    """The columns a COPY fills: ``cols``, then the offset column of each datetime among them."""
    offsets = [c.offset_ident for c in cols]
    return [c.ident for c in cols] + [o for o in offsets if o is not None]


def row_converter(cols: list[Column]) -> Callable[[Sequence[object]], Sequence[object]]:
    """Service values in ``cols`` order → COPY values, as ``copy_columns`` lists them."""
    writers = [(i, w) for i, col in enumerate(cols) if (w := writer(col.kind)) is not None]
    timed = [i for i, col in enumerate(cols) if col.kind is Kind.TIMESTAMPTZ]
    if not writers and not timed:
        return lambda row: row
    offsets: dict[str, int | None] = {}  # ISO text → offset (a chunk's stamps are all alike)

    def offset(value: object) -> int | None:
        if not isinstance(value, str):
            return offset_of(value)
        if value not in offsets:
            offsets[value] = offset_of(value)
        return offsets[value]

    def convert(row: Sequence[object]) -> Sequence[object]:
        values = list(row)
        for i, write in writers:
            values[i] = write(values[i])
        values.extend(offset(row[i]) for i in timed)
        return values

    return convert
