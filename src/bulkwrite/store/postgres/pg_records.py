"""Record tables in PostgreSQL: look-ups by ``= ANY(array)``, inserts by COPY, updates by COPY
into a staging table and one ``UPDATE … FROM``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import polars as pl
from psycopg import Connection, IntegrityError, sql

from bulkwrite.clock import iso
from bulkwrite.domain.modules import STAMPED
from bulkwrite.errors import RecordConflict
from bulkwrite.store.base import ChildTotals, StagedInsert
from bulkwrite.store.postgres.pg_catalog import Catalog, Column
from bulkwrite.store.postgres.pg_copying import (
    StagedCopy,
    copy_columns,
    copy_frame,
    copy_pieces,
    row_converter,
    with_fixed,
)
from bulkwrite.store.postgres.pg_ddl import STAMP_DEFAULT, ident, pg_name
from bulkwrite.store.postgres.pg_keyset import order_expression, row_reader
from bulkwrite.store.postgres.pg_values import (
    Kind,
    key_from_db,
    key_of,
)

#: Keys per look-up statement: one array parameter, bounded so a statement stays modest.
BATCH = 50_000

# An unnested array joined with hash and merge joins off: one index look-up per key. Left to
# itself the planner hashes the whole record table for every chunk of keys (measured: 170 ms
# against 24 ms for 20,000 keys in 300,000 records, and growing with the table).
MATCH = (
    "SELECT t.{column}, t.id, t._job FROM unnest(%s::{cast}) AS k(v) "
    "JOIN {table} AS t ON t.{column} = k.v ORDER BY t.id"
)
#: ``match_frame``'s: the order of the rows does not matter (its caller groups them).
MATCH_ANY = MATCH.removesuffix(" ORDER BY t.id")
NAMES = "SELECT id, {columns} FROM {table} WHERE id = ANY(%s::bigint[])"
STAGE = "CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
UPDATE_FROM = "UPDATE {table} AS t SET {sets} FROM {stage} AS s WHERE t.id = s.id"
# One primary-key look-up per staged row, whatever the (possibly stale) statistics say: a hash or
# merge join would read the whole record table for every chunk.
BY_KEY_ONLY = "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
ANY_JOIN = "SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on"
DROP_STAGE = "DROP TABLE {stage}"
READ = "SELECT {columns} FROM {table} {where} ORDER BY {order} {direction}, id LIMIT %s OFFSET %s"
CLOCK = "SELECT " + STAMP_DEFAULT
#: A child module's rows of some parents (``{parent}`` indexed: ``domain.children``).
CHILDREN = "SELECT {columns} FROM {table} WHERE {parent} = ANY(%s::bigint[]) ORDER BY {parent}, id"

_STAGE = sql.Identifier("bw_stage")


class RecordQueries:
    conn: Connection[Any]
    catalog: Catalog
    _clock: datetime | None = None

    def clock(self) -> datetime:
        if self._clock is None:
            row = self.conn.execute(CLOCK).fetchone()
            assert row is not None
            self._clock = row[0].astimezone(UTC)
        return self._clock

    def _columns(self, table: str, names: Sequence[str]) -> list[Column]:
        return self.catalog.columns(self.conn, table, names)

    def match_records(
        self, table: str, column: str, keys: Sequence[object]
    ) -> dict[object, list[tuple[int, int | None]]]:
        """For each key, the (id, last job) of every record whose ``column`` equals it.

        Keys are compared as the column's type; one that cannot be of that type matches
        nothing. The result is keyed by the keys as given.
        """
        (col,) = self._columns(table, [column])
        wanted: dict[object, list[object]] = {}
        for key in keys:
            try:
                wanted.setdefault(key_of(col.kind, key), []).append(key)
            except (TypeError, ValueError, OverflowError):
                continue
        query = sql.SQL(MATCH).format(
            column=col.ident, table=ident(table), cast=sql.SQL(col.kind.array_cast)
        )
        canonical = list(wanted)
        found: dict[object, list[tuple[int, int | None]]] = {}
        with self._by_key_only():
            for start in range(0, len(canonical), BATCH):
                batch = canonical[start : start + BATCH]
                for value, record_id, job in self.conn.execute(query, (batch,)):
                    for key in wanted.get(key_from_db(col.kind, value), ()):
                        found.setdefault(key, []).append((record_id, job))
        return found

    def match_frame(self, table: str, column: str, keys: pl.Series) -> pl.DataFrame:
        """``match_records`` as a frame (``RecordTx.match_frame``). Text keys of a text column
        and integer keys of a bigint one are their own canonical form: sent as they are."""
        (col,) = self._columns(table, [column])
        schema = {"key": keys.dtype, "id": pl.Int64(), "job": pl.Int64()}
        wanted = keys.drop_nulls().unique().sort()
        if (col.kind, keys.dtype) not in ((Kind.TEXT, pl.String()), (Kind.BIGINT, pl.Int64())):
            found = self.match_records(table, column, wanted.to_list())
            pairs = [(key, rid, job) for key, hits in found.items() for rid, job in hits]
            return pl.DataFrame(pairs, schema=schema, orient="row")
        query = sql.SQL(MATCH_ANY).format(
            column=col.ident, table=ident(table), cast=sql.SQL(col.kind.array_cast)
        )
        rows: list[tuple[object, ...]] = []
        with self._by_key_only():
            for start in range(0, len(wanted), BATCH):
                batch = wanted.slice(start, BATCH).to_list()
                rows.extend(self.conn.execute(query, (batch,)).fetchall())
        return pl.DataFrame(rows, schema=schema, orient="row")

    @contextmanager
    def _by_key_only(self) -> Iterator[None]:
        """Joins in the block look records up by index, key by key (see ``MATCH``); inside a
        transaction (``SET LOCAL``), as every record query is."""
        self.conn.execute(BY_KEY_ONLY)
        yield  # if the block raises, the savepoint or transaction around it undoes the SET
        self.conn.execute(ANY_JOIN)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo what the block wrote if it raises; the transaction goes on."""
        with self.conn.transaction():
            yield

    def insert_frame(
        self, table: str, frame: pl.DataFrame, fixed: Mapping[str, object] | None = None
    ) -> None:
        """One record per row of ``frame`` (columns named as the table's), plus the ``fixed``
        value of each column named there on every row. Raises ``RecordConflict`` when a row
        breaks a unique index (nothing is written)."""
        if frame.height == 0:
            return
        frame = with_fixed(frame, self._unstamped(fixed))
        cols = self._columns(table, frame.columns)
        with _conflicts(table), self.savepoint():
            copy_frame(self.conn, ident(table), cols, frame)

    def _unstamped(self, fixed: Mapping[str, object] | None) -> dict[str, object]:
        """``fixed`` less the stamped columns set to this transaction's clock: their default
        gives them that value, with no datetime for the server to parse on every row."""
        stamp = iso(self.clock()) if fixed and any(n in fixed for n in STAMPED) else None
        return {n: v for n, v in (fixed or {}).items() if not (n in STAMPED and v == stamp)}

    def insert_staged(self, staged: StagedInsert) -> None:
        """``RecordTx.insert_staged``: the COPY payload ``stage_insert`` rendered, as it is."""
        if staged.frame.height == 0:
            return
        if not isinstance(staged.prepared, StagedCopy):
            self.insert_frame(staged.table, staged.frame, staged.fixed)
            return
        prepared = staged.prepared
        with _conflicts(staged.table), self.savepoint():
            copy_pieces(self.conn, ident(staged.table), prepared.columns, prepared.pieces)

    def update_frame(
        self, table: str, frame: pl.DataFrame, fixed: Mapping[str, object] | None = None
    ) -> None:
        """Set each row's values on the record its ``id`` column names (the last row wins);
        ``fixed`` as for ``insert_frame`` (set by the statement, not staged row by row)."""
        if frame.height == 0:
            return
        frame = frame.unique(subset="id", keep="last").sort("id")
        names = [n for n in frame.columns if n != "id" and n not in (fixed or {})]
        with self.savepoint():
            cols = self._columns(table, names)
            self._update_staged(table, cols, frame.select(*names, "id"), fixed or {})

    def _update_staged(
        self,
        table: str,
        cols: list[Column],
        rows: pl.DataFrame,
        fixed: Mapping[str, object],
    ) -> None:
        """COPY ``rows`` (values of ``cols``, then the id) into a staging table, then one
        ``UPDATE … FROM`` it that also sets each ``fixed`` column to its value."""
        targets = [c for col in cols for c in col.selected()]
        listed = sql.SQL(", ").join([sql.Identifier("id"), *targets])
        self.conn.execute(sql.SQL(STAGE).format(stage=_STAGE, columns=listed, table=ident(table)))
        copy_frame(self.conn, _STAGE, [*cols, Column("id", Kind.BIGINT)], rows)
        sets = [sql.SQL("{0} = s.{0}").format(t) for t in targets]
        constants = self._columns(table, list(fixed))
        values = row_converter(constants)([fixed[c.name] for c in constants])
        sets += [sql.SQL("{} = %s").format(c) for c in copy_columns(constants)]
        with _conflicts(table), self._by_key_only():
            self.conn.execute(
                sql.SQL(UPDATE_FROM).format(
                    table=ident(table), sets=sql.SQL(", ").join(sets), stage=_STAGE
                ),
                list(values),
            )
        self.conn.execute(sql.SQL(DROP_STAGE).format(stage=_STAGE))

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
        cols = self._columns(table, columns)
        (order,) = self._columns(table, [order_by])
        query = sql.SQL(READ).format(
            columns=sql.SQL(", ").join(c for col in cols for c in col.selected()),
            table=ident(table),
            where=sql.SQL("WHERE id = %s" if record_id is not None else ""),
            order=order_expression(order),
            direction=sql.SQL("DESC NULLS LAST" if descending else "ASC NULLS FIRST"),
        )
        params: tuple[object, ...] = (record_id,) if record_id is not None else ()
        read = row_reader(cols)
        return [read(row) for row in self.conn.execute(query, (*params, limit, offset))]

    def delete_children(self, table: str, link: str, parent_ids: Sequence[int], job_id: int) -> int:
        """Delete the child rows of ``parent_ids`` that job ``job_id`` did not write."""
        query = sql.SQL(
            "DELETE FROM {table} WHERE {link} = ANY(%s::bigint[]) AND _job IS DISTINCT FROM %s"
        ).format(table=ident(table), link=ident(link))
        deleted = 0
        for start in range(0, len(parent_ids), BATCH):
            cur = self.conn.execute(query, (list(parent_ids[start : start + BATCH]), job_id))
            deleted += cur.rowcount
        return deleted

    def sum_children(self, totals: ChildTotals, job_id: int) -> None:
        """Set each of ``totals.targets`` of the parent records job ``job_id`` wrote to the sum
        of ``totals.summed`` over their child rows."""
        total = sql.SQL("coalesce(sum(c.{}), 0)").format(ident(totals.summed))
        query = sql.SQL(
            "UPDATE {parent} AS p SET ({targets}) = "
            "(SELECT {sums} FROM {child} c WHERE c.{link} = p.id) WHERE p._job = %s"
        ).format(
            parent=ident(totals.parent),
            targets=sql.SQL(", ").join(ident(t) for t in totals.targets),
            sums=sql.SQL(", ").join(total for _ in totals.targets),  # one pass over the rows
            child=ident(totals.child),
            link=ident(totals.link),
        )
        self.conn.execute(query, (job_id,))

    def record_names(self, table: str, column: str, ids: Sequence[int]) -> dict[int, object]:
        """The ``column`` value (a record's name) of each record among ``ids`` that exists."""
        (col,) = self._columns(table, [column])
        query = sql.SQL(NAMES).format(
            columns=sql.SQL(", ").join(col.selected()), table=ident(table)
        )
        read = row_reader([col])
        names: dict[int, object] = {}
        for start in range(0, len(ids), BATCH):
            for record_id, *value in self.conn.execute(query, (list(ids[start : start + BATCH]),)):
                names[int(record_id)] = read(tuple(value))[0]
        return names

    def child_rows(
        self, table: str, parent_column: str, columns: Sequence[str], parent_ids: Sequence[int]
    ) -> list[tuple[object, ...]]:
        """Rows of a child module's table whose ``parent_column`` is among ``parent_ids``:
        ``(parent id, *columns)``, by parent then id (one query per batch of parents)."""
        cols = self._columns(table, [parent_column, *columns])
        query = sql.SQL(CHILDREN).format(
            columns=sql.SQL(", ").join(c for col in cols for c in col.selected()),
            table=ident(table),
            parent=ident(parent_column),
        )
        read = row_reader(cols)
        rows: list[tuple[object, ...]] = []
        for start in range(0, len(parent_ids), BATCH):
            batch = list(parent_ids[start : start + BATCH])
            rows += [read(row) for row in self.conn.execute(query, (batch,))]
        rows.sort(key=lambda row: int(str(row[0])))  # stable: each parent's rows in id order
        return rows


@contextmanager
def _conflicts(table: str) -> Iterator[None]:
    """A broken unique index as ``RecordConflict`` (naming the index, not the values), with
    the field whose index it is as ``details["api_name"]`` when the index name tells it."""
    try:
        yield
    except IntegrityError as exc:
        index = exc.diag.constraint_name or ""
        prefix = f"{table}__"
        details = {"api_name": index[len(prefix) :]} if index.startswith(prefix) else None
        if details is not None and pg_name(index) != index:
            details = None  # a long name was cut and hashed: the field cannot be read back
        message = exc.diag.message_primary or type(exc).__name__
        raise RecordConflict(message, details) from None
