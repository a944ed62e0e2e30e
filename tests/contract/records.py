"""The record module the store contract tests of record tables write and read: its fields,
each column's values as services hold them, and a module holding three records."""

from __future__ import annotations

import polars as pl

from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.store.base import Store, Tx
from tests.contract.test_store_contract import _org

T = FieldType

RECORD_FIELDS = (
    Field("Name", T.TEXT, unique=True),
    Field("Count", T.INTEGER),
    Field("Amount", T.CURRENCY),
    Field("Flag", T.BOOLEAN),
    Field("Day", T.DATE),
    Field("Moment", T.DATETIME),
    Field("Tags", T.MULTISELECT),
    Field("Manager", T.USERLOOKUP),
    Field("Code", T.BIGINT, unique=True),
)
COLUMNS = ["id", "_job", *(f.api_name for f in RECORD_FIELDS)]
#: Each column's values as services hold them (``importer.vector``).
SCHEMA: dict[str, type[pl.DataType]] = {
    "id": pl.Int64,
    "_job": pl.Int64,
    "Name": pl.String,
    "Count": pl.Int64,
    "Amount": pl.Float64,
    "Flag": pl.Int64,
    "Day": pl.String,
    "Moment": pl.String,
    "Tags": pl.String,
    "Manager": pl.Int64,
    "Code": pl.Int64,
}


def frame_of(columns: list[str], rows: list[tuple[object, ...]]) -> pl.DataFrame:
    """Rows of values in ``columns`` order, as the frame services write."""
    schema = {name: SCHEMA[name] for name in columns}
    return pl.DataFrame(rows, schema=schema, orient="row")


def records_in(tx: Tx, table: str) -> int:
    """How many records the table holds."""
    return len(tx.read_records(table, ["id"], limit=1_000, offset=0))


def written_records(store: Store) -> tuple[str, int, list[tuple[object, ...]]]:
    """A module holding three records written as services write them (SQLite's values)."""
    with store.transaction() as tx:
        org, user = _org(tx)
        module = tx.create_module(org.id, Module("Things", "", RECORD_FIELDS, "Name"))
        table = tx.record_table(org.id, module.api_name)
        first, job = tx.allocate_ids(3), int(tx.new_id())
        rows: list[tuple[object, ...]] = [
            (first, job, "Apollo", 40, 1234.56, 1, "2026-11-28", "2026-11-28T09:30:00+05:30",
             '["Billable", "Urgent"]', int(user.id), 7),
            (first + 1, None, "Gemini", None, None, 0, None, "2026-01-02T03:04:05.678000+00:00",
             '["Caf\\u00e9"]', None, None),
            (first + 2, job, "\u00fcmlaut", -3, 0.5, None, "2000-02-29", "2026-11-28T12:00:00",
             None, None, 8),
        ]  # fmt: skip
        tx.insert_frame(table, frame_of(COLUMNS, rows))
    return table, job, rows
