"""The ceiling: how fast plain Python + SQLite moves the same CSV into the same table.

The table is made by bulkwrite's own DDL (``record_table_ddl`` over the standard Leads fields),
so it has the same columns, types and unique index on Email; the connection gets bulkwrite's
``PRAGMAS``. The CSV is parsed by the stdlib ``csv`` module and streamed into one
``executemany`` in one transaction. Each row is written with the columns bulkwrite writes for a
new record (id, _job, the audit columns and the mapped fields), empty cells as NULL and numeric
columns converted with ``int``/``float``, but nothing is validated: **every** data row is
written, bad ones included, so the ceiling does slightly more writing than bulkwrite (which skips
the bad rows) and none of its checking. Rows per second count input rows, as for bulkwrite.
"""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.generate import KEY, MODULE
from bulkwrite.domain.modules import Field, Module
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.store.sqlite.sqlite_ddl import column_type, quote, record_table_ddl
from bulkwrite.store.sqlite.sqlite_store import PRAGMAS

TABLE = "rec_1_leads"
FIRST_ID = 111111000000100001
JOB_ID, USER_ID = 111111000000090001, 111111000000000002
STAMP = "2026-01-01T00:00:00+00:00"
AUDIT = ("Owner", "Created_Time", "Modified_Time", "Created_By", "Modified_By")

Cast = Callable[[str], object]


@dataclass(frozen=True)
class RawResult:
    rows: int
    seconds: float
    records_after: int
    #: Where the seconds went, when the step has parts (e.g. COPY, then INSERT … SELECT).
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def raw_json(result: RawResult) -> dict[str, Any]:
    document: dict[str, Any] = {
        "rows": result.rows,
        "seconds": result.seconds,
        "rows_per_second": result.rows_per_second,
        "records_after": result.records_after,
    }
    if result.phases:
        document["phases"] = result.phases
    return document


def leads_module() -> Module:
    (module,) = [m for m in standard_modules() if m.api_name == MODULE]
    return module


def connect(path: Path) -> sqlite3.Connection:
    """A fresh database file with the Leads record table, configured as bulkwrite's store."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    for statement in record_table_ddl(TABLE, leads_module().fields):
        conn.execute(statement)
    return conn


def _cast(field: Field) -> Cast:
    kind = column_type(field)
    if kind == "INTEGER":
        return int
    if kind == "REAL":
        return float
    return str


def data_rows(
    path: Path,
    prefix: Callable[[int], tuple[object, ...]],
    cast_of: Callable[[Field], Cast] = _cast,
) -> Iterator[tuple[object, ...]]:
    """The file's data rows as SQL parameters, one at a time: ``prefix(row number)`` then the
    cells, each empty one as None and the others through ``cast_of(field)``."""
    module = leads_module()
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        header = next(reader)
        casts = [cast_of(module.by_name[name]) for name in header]
        for number, cells in enumerate(reader):
            values = [cast(cell) if cell else None for cast, cell in zip(casts, cells, strict=True)]
            yield (*prefix(number), *values)


def header_of(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as source:
        return next(csv.reader(source))


def _timed(
    conn: sqlite3.Connection, sql: str, params: Iterator[tuple[object, ...]]
) -> tuple[float, int]:
    """Run ``sql`` over every row in one transaction: (seconds, rows changed)."""
    changes = conn.total_changes
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, params)
    conn.execute("COMMIT")
    return time.perf_counter() - start, conn.total_changes - changes


def _count(conn: sqlite3.Connection) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {quote(TABLE)}").fetchone()[0])


def insert_columns(csv_path: Path) -> list[str]:
    """The columns a new record of the file's rows is written with: id, job, audit, fields."""
    return ["id", "_job", *AUDIT, *header_of(csv_path)]


def insert_statement(csv_path: Path) -> str:
    """The INSERT of one new record of the file's rows (parameters: ``new_record`` + cells)."""
    columns = insert_columns(csv_path)
    return (
        f"INSERT INTO {quote(TABLE)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )


def new_record(number: int) -> tuple[object, ...]:
    """The id, job and audit values of the new record of data row ``number``."""
    return (FIRST_ID + number, JOB_ID, USER_ID, STAMP, STAMP, USER_ID, USER_ID)


def raw_insert(conn: sqlite3.Connection, csv_path: Path) -> RawResult:
    """Insert every row of the file as a new record; the table should be empty."""
    sql = insert_statement(csv_path)
    seconds, changes = _timed(conn, sql, data_rows(csv_path, new_record))
    return RawResult(changes, seconds, _count(conn))


def raw_upsert(conn: sqlite3.Connection, csv_path: Path) -> RawResult:
    """Every row again as ``INSERT … ON CONFLICT(Email) DO UPDATE``: over the table of
    ``raw_insert`` each one updates its record (mapped fields, Modified_*, _job)."""
    fields = header_of(csv_path)
    columns = ["_job", *AUDIT, *fields]
    changed = [*(f for f in fields if f != KEY), "Modified_Time", "Modified_By", "_job"]
    sql = (
        f"INSERT INTO {quote(TABLE)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT({quote(KEY)}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in changed)
    )
    job = JOB_ID + 1

    def prefix(_number: int) -> tuple[object, ...]:
        return (job, USER_ID, STAMP, STAMP, USER_ID, USER_ID)

    seconds, changes = _timed(conn, sql, data_rows(csv_path, prefix))
    return RawResult(changes, seconds, _count(conn))
