"""The PostgreSQL ceiling: how fast plain Python + psycopg 3 COPY move the same CSV into the same
table.

The table is made by bulkwrite's own PostgreSQL DDL (``record_table_ddl`` of
``bulkwrite.store.postgres.pg_ddl`` over the standard Leads fields): the same typed columns,
``TEXT COLLATE "C"``, the hidden ``_off_`` offset column of each datetime, and the unique index on
Email. Each session sets ``TIME ZONE 'UTC'`` as bulkwrite's do. The stdlib ``csv`` module parses
the file; each row becomes the values bulkwrite writes for a new record (id, _job, the audit
columns with their offsets, the mapped fields; empty cells as NULL; ``int``/``float`` for the
BIGINT/DOUBLE PRECISION columns) and goes to the server by ``cursor.copy(… FROM STDIN)`` and
``write_row`` (text format, as bulkwrite's store), in **one transaction**. As for SQLite, every
row is written, bad ones included, and nothing is validated.

The upsert ceiling COPYs every row again into a temporary staging table (``ON COMMIT DROP``,
columns as the record table's), then runs one ``INSERT … SELECT … ON CONFLICT ("Email") DO
UPDATE SET <fields>, Modified_Time, Modified_By, _job`` into the table of the insert step, in one
transaction: every row updates its record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.generate import KEY
from bench.raw import (
    FIRST_ID,
    JOB_ID,
    STAMP,
    USER_ID,
    Cast,
    RawResult,
    data_rows,
    header_of,
    leads_module,
)
from bulkwrite.domain.modules import Field
from bulkwrite.store.postgres.pg_ddl import ident, offset_column, record_table_ddl

Connection = psycopg.Connection[tuple[Any, ...]]

TABLE = "rec_1_leads"
STAGE = "bw_raw_stage"
#: The audit columns bulkwrite writes for a new record, datetimes followed by their offset.
AUDIT = (
    "Owner",
    "Created_Time",
    offset_column("Created_Time"),
    "Modified_Time",
    offset_column("Modified_Time"),
    "Created_By",
    "Modified_By",
)
#: Columns an update sets besides the mapped fields (the key excepted).
UPDATED_AUDIT = ("Modified_Time", offset_column("Modified_Time"), "Modified_By", "_job")
UTC_OFFSET = 0
#: The values of AUDIT: owner, created and modified time (with offset), created and modified by.
AUDIT_VALUES = (USER_ID, STAMP, UTC_OFFSET, STAMP, UTC_OFFSET, USER_ID, USER_ID)
COLUMN_TYPES = """
    SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
    WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
"""


def connect(url: str) -> Connection:
    """A session on a fresh database, with the Leads record table made by bulkwrite's DDL."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET TIME ZONE 'UTC'")
    with conn.transaction():
        for statement in record_table_ddl(TABLE, leads_module().fields):
            conn.execute(statement)
    return conn


def _caster(conn: Connection) -> Callable[[Field], Cast]:
    """A field's Python cast, from the type its column has in the table."""
    types = {str(name): str(kind) for name, kind in conn.execute(COLUMN_TYPES, (TABLE,))}

    def cast_of(field: Field) -> Cast:
        kind = types[field.api_name]
        if kind in ("bigint", "integer"):
            return int
        if kind == "double precision":
            return float
        return str

    return cast_of


def _listed(columns: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(ident(c) for c in columns)


def _count(conn: Connection) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(ident(TABLE))).fetchone()
    return int(row[0]) if row else 0


def copy_rows(
    cur: psycopg.Cursor[tuple[Any, ...]],
    target: str,
    columns: list[str],
    rows: object,
) -> int:
    query = sql.SQL("COPY {} ({}) FROM STDIN").format(ident(target), _listed(columns))
    count = 0
    with cur.copy(query) as copy:
        for row in rows:  # type: ignore[attr-defined]
            copy.write_row(row)
            count += 1
    return count


def raw_pg_insert(conn: Connection, csv_path: Path) -> RawResult:
    """COPY every row of the file into the (empty) table as new records, one transaction."""
    columns = ["id", "_job", *AUDIT, *header_of(csv_path)]
    audit = AUDIT_VALUES

    def prefix(number: int) -> tuple[object, ...]:
        return (FIRST_ID + number, JOB_ID, *audit)

    rows = data_rows(csv_path, prefix, _caster(conn))
    start = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        written = copy_rows(cur, TABLE, columns, rows)
        copied = time.perf_counter()
    end = time.perf_counter()
    phases = {"copy": copied - start, "commit": end - copied}
    return RawResult(written, end - start, _count(conn), phases)


def raw_pg_upsert(conn: Connection, csv_path: Path) -> RawResult:
    """COPY every row into a staging table, then ``INSERT … SELECT … ON CONFLICT ("Email") DO
    UPDATE`` into the table of ``raw_pg_insert``: each row updates its record."""
    fields = header_of(csv_path)
    columns = ["id", "_job", *AUDIT, *fields]
    changed = [*(f for f in fields if f != KEY), *UPDATED_AUDIT]
    job, first = JOB_ID + 1, FIRST_ID + 10**9  # ids a new record would get; unused on conflict
    audit = AUDIT_VALUES

    def prefix(number: int) -> tuple[object, ...]:
        return (first + number, job, *audit)

    stage = sql.SQL(
        "CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
    ).format(stage=ident(STAGE), columns=_listed(columns), table=ident(TABLE))
    upsert = sql.SQL(
        "INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
        "ON CONFLICT ({key}) DO UPDATE SET {sets}"
    ).format(
        table=ident(TABLE),
        columns=_listed(columns),
        stage=ident(STAGE),
        key=ident(KEY),
        sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(ident(c)) for c in changed),
    )
    rows = data_rows(csv_path, prefix, _caster(conn))
    start = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(stage)
        copy_rows(cur, STAGE, columns, rows)
        copied = time.perf_counter()
        changes = cur.execute(upsert).rowcount
        upserted = time.perf_counter()
    end = time.perf_counter()
    phases = {"copy": copied - start, "upsert": upserted - copied, "commit": end - upserted}
    return RawResult(changes, end - start, _count(conn), phases)
