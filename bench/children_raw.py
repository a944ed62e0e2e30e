"""The raw ceiling of the parent-child benchmark: the same Quotes, line items and Deals written
straight into tables made by the store's own DDL, by the fastest plain means.

The tables: ``record_table_ddl`` of each store over the standard Quotes, Quoted_Items (with
its ``child_indexes``: the index on Parent_Id) and Deals fields, so the columns, types and
indexes are those bulkwrite's store makes. Each row gets the values bulkwrite writes for a new
record (id, _job, the audit columns, the mapped fields; a lookup as the id of the record it
names; empty cells NULL). Line items get their Parent_Id (the quote written for their Subject),
their Total and Net_Total (an empty List_Price: the product's Unit_Price), and each quote its
Sub_Total and Grand_Total (the sum of its items' Net_Total), written after the items as
bulkwrite does. Nothing is validated and nothing is looked up in the database: the names of
accounts and products map to ids in a dict.

Chunks of ``CHUNK`` rows (bulkwrite's default chunk size), one transaction each: SQLite
``executemany``, PostgreSQL ``COPY … FROM STDIN`` (text format, as the store's). The totals:
SQLite ``executemany`` of ``UPDATE … WHERE id = ?``; PostgreSQL COPY of (id, total) into a
temporary table and one ``UPDATE … FROM`` it.
"""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import pgraw, raw
from bench.children_data import (
    ACCOUNTS,
    CLOSING_DATE,
    PRODUCTS,
    ChildFiles,
    account_name,
    line_totals,
    product_name,
    unit_price,
)
from bulkwrite.domain.children import child_indexes
from bulkwrite.domain.modules import Module
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.store.postgres import pg_ddl
from bulkwrite.store.sqlite import sqlite_ddl
from bulkwrite.store.sqlite.sqlite_store import PRAGMAS

CHUNK = 20_000
TABLES = {"Quotes": "rec_quotes", "Quoted_Items": "rec_quoted_items", "Deals": "rec_deals"}
FIRST_ACCOUNT, FIRST_PRODUCT = 111111000000500001, 111111000000600001
FIRST_QUOTE, FIRST_ITEM, FIRST_DEAL = 111111000001000001, 111111000002000001, 111111000003000001
ACCOUNT_IDS = {account_name(n): FIRST_ACCOUNT + n for n in range(ACCOUNTS)}
PRODUCT_IDS = {product_name(n): FIRST_PRODUCT + n for n in range(PRODUCTS)}
PRICES = {FIRST_PRODUCT + n: unit_price(n) for n in range(PRODUCTS)}
TOTALS = ("Sub_Total", "Grand_Total")

Row = tuple[object, ...]


@dataclass(frozen=True)
class RawChildren:
    """Seconds of each part of the ceiling, and the rows it wrote."""

    quotes: int
    items: int
    parent_seconds: float
    child_seconds: float  # the items and the quotes' totals
    totals_seconds: float  # of which the totals
    deals_seconds: float  # the Deals file, as many rows as the items
    net_total: float  # the sum of every line item's Net_Total (each quote's Grand_Total)

    def as_json(self) -> dict[str, Any]:
        return {
            "quotes": self.quotes,
            "items": self.items,
            "parent_seconds": self.parent_seconds,
            "child_seconds": self.child_seconds,
            "totals_seconds": self.totals_seconds,
            "deals_seconds": self.deals_seconds,
            "net_total": self.net_total,
            "parent_rows_per_second": self.quotes / self.parent_seconds,
            "child_rows_per_second": self.items / self.child_seconds,
        }


def modules() -> dict[str, Module]:
    return {m.api_name: m for m in standard_modules() if m.api_name in TABLES}


def _reader(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        yield from reader


def _text(cell: str) -> str | None:
    return cell or None


def _number(cell: str) -> float | None:
    return float(cell) if cell else None


class Rows:
    """The three files' rows as the values of their table's columns; ``audit`` the audit
    columns' values of the store (PostgreSQL adds offsets)."""

    def __init__(self, audit_columns: tuple[str, ...], audit: tuple[object, ...]) -> None:
        self.audit_columns, self.audit = audit_columns, audit
        self.quote_ids: dict[str, int] = {}
        self.sums: dict[int, float] = {}

    def columns(self, *fields: str) -> list[str]:
        return ["id", "_job", *self.audit_columns, *fields]

    def quotes(self, path: Path) -> Iterator[Row]:
        job, audit, ids = raw.JOB_ID, self.audit, self.quote_ids
        for n, (subject, account, stage, carrier, city, country, text) in enumerate(_reader(path)):
            record = FIRST_QUOTE + n
            ids.setdefault(subject, record)
            yield (record, job, *audit, subject, ACCOUNT_IDS[account], stage, carrier, city,
                   _text(country), _text(text))  # fmt: skip

    def items(self, path: Path) -> Iterator[Row]:
        job, audit, ids, sums = raw.JOB_ID, self.audit, self.quote_ids, self.sums
        for n, (quote, name, qty, listed, discount, tax, text) in enumerate(_reader(path)):
            parent, product = ids[quote], PRODUCT_IDS[name]
            quantity, price = float(qty), float(listed) if listed else PRICES[product]
            off, added = float(discount or 0), float(tax or 0)
            total, net = line_totals(quantity, price, off, added)
            sums[parent] = sums.get(parent, 0.0) + net
            yield (FIRST_ITEM + n, job, *audit, parent, product, quantity, price,
                   _number(discount), _number(tax), _text(text), total, net)  # fmt: skip

    def deals(self, path: Path) -> Iterator[Row]:
        job, audit = raw.JOB_ID, self.audit
        for n, (name, account, amount, probability, stage, step, text) in enumerate(_reader(path)):
            yield (FIRST_DEAL + n, job, *audit, name, ACCOUNT_IDS[account], _number(amount),
                   int(probability), stage, step, _text(text), CLOSING_DATE)  # fmt: skip

    def totals(self) -> Iterator[Row]:
        return ((round(total, 2), round(total, 2), parent) for parent, total in self.sums.items())


QUOTE_FIELDS = ("Subject", "Account_Name", "Quote_Stage", "Carrier", "Billing_City",
                "Billing_Country", "Description")  # fmt: skip
ITEM_FIELDS = ("Parent_Id", "Product_Name", "Quantity", "List_Price", "Discount", "Tax",
               "Description", "Total", "Net_Total")  # fmt: skip
DEAL_FIELDS = ("Deal_Name", "Account_Name", "Amount", "Probability", "Stage", "Next_Step",
               "Description", "Closing_Date")  # fmt: skip


def chunks(rows: Iterable[Row], size: int = CHUNK) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


Writer = Callable[[str, list[str], Iterable[Row]], None]


def _measure(
    write: Writer, totals: Callable[[Rows], None], rows: Rows, files: ChildFiles, deals: Path
) -> RawChildren:
    start = time.perf_counter()
    write(TABLES["Quotes"], rows.columns(*QUOTE_FIELDS), rows.quotes(files.quotes_csv))
    parents = time.perf_counter()
    write(TABLES["Quoted_Items"], rows.columns(*ITEM_FIELDS), rows.items(files.items_csv))
    items = time.perf_counter()
    totals(rows)
    end = time.perf_counter()
    write(TABLES["Deals"], rows.columns(*DEAL_FIELDS), rows.deals(deals))
    deals_end = time.perf_counter()
    return RawChildren(
        files.quotes,
        files.items,
        parents - start,
        end - parents,
        end - items,
        deals_end - end,
        sum(rows.sums.values()),
    )


# --- SQLite --------------------------------------------------------------------------------


def sqlite_connect(path: Path) -> sqlite3.Connection:
    """A fresh database file with the three tables, configured as bulkwrite's store."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    for name, module in modules().items():
        for statement in sqlite_ddl.record_table_ddl(
            TABLES[name], module.fields, child_indexes(module)
        ):
            conn.execute(statement)
    return conn


def _sqlite_writer(conn: sqlite3.Connection) -> Writer:
    def write(table: str, columns: list[str], rows: Iterable[Row]) -> None:
        names = ", ".join(sqlite_ddl.quote(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        statement = f"INSERT INTO {sqlite_ddl.quote(table)} ({names}) VALUES ({marks})"
        for batch in chunks(rows):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(statement, batch)
            conn.execute("COMMIT")

    return write


def _sqlite_totals(conn: sqlite3.Connection) -> Callable[[Rows], None]:
    def totals(rows: Rows) -> None:
        sets = ", ".join(f"{sqlite_ddl.quote(c)} = ?" for c in TOTALS)
        statement = f"UPDATE {sqlite_ddl.quote(TABLES['Quotes'])} SET {sets} WHERE id = ?"
        for batch in chunks(rows.totals()):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(statement, batch)
            conn.execute("COMMIT")

    return totals


def sqlite_ceiling(path: Path, files: ChildFiles, deals_csv: Path) -> RawChildren:
    """The ceiling on a fresh SQLite file: the quotes and their items, then the Deals."""
    conn = sqlite_connect(path)
    try:
        audit = (raw.USER_ID, raw.STAMP, raw.STAMP, raw.USER_ID, raw.USER_ID)
        return _measure(
            _sqlite_writer(conn), _sqlite_totals(conn), Rows(raw.AUDIT, audit), files, deals_csv
        )
    finally:
        conn.close()


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_connect(url: str) -> pgraw.Connection:
    """A session on a fresh database with the three tables made by the store's DDL."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET TIME ZONE 'UTC'")
    with conn.transaction():
        for name, module in modules().items():
            for statement in pg_ddl.record_table_ddl(
                TABLES[name], module.fields, child_indexes(module)
            ):
                conn.execute(statement)
    return conn


def _pg_writer(conn: pgraw.Connection) -> Writer:
    def write(table: str, columns: list[str], rows: Iterable[Row]) -> None:
        for batch in chunks(rows):
            with conn.transaction(), conn.cursor() as cur:
                pgraw.copy_rows(cur, table, columns, batch)

    return write


def _pg_totals(conn: pgraw.Connection) -> Callable[[Rows], None]:
    def totals(rows: Rows) -> None:
        stage = "bw_raw_totals"
        update = sql.SQL("UPDATE {table} AS p SET {sets} FROM {stage} s WHERE p.id = s.id").format(
            table=pg_ddl.ident(TABLES["Quotes"]),
            sets=sql.SQL(", ").join(
                sql.SQL("{} = s.total").format(pg_ddl.ident(c)) for c in TOTALS
            ),
            stage=pg_ddl.ident(stage),
        )
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "CREATE TEMP TABLE {} (id BIGINT, total DOUBLE PRECISION) ON COMMIT DROP"
                ).format(pg_ddl.ident(stage))
            )
            pgraw.copy_rows(cur, stage, ["id", "total"], ((p, t) for t, _, p in rows.totals()))
            cur.execute(update)

    return totals


def pg_ceiling(url: str, files: ChildFiles, deals_csv: Path) -> RawChildren:
    """The ceiling on a fresh PostgreSQL database: the quotes and their items, then the Deals."""
    conn = pg_connect(url)
    try:
        rows = Rows(pgraw.AUDIT, pgraw.AUDIT_VALUES)
        return _measure(_pg_writer(conn), _pg_totals(conn), rows, files, deals_csv)
    finally:
        conn.close()
