"""The Store contract for record tables, one body per store: records read back exactly as
written, matched by their keys, updated in place, unique conflicts, sort order, a field another
process added."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from bulkwrite.bootstrap import open_store
from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.errors import RecordConflict
from bulkwrite.settings import Settings
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


def _records(store: Store) -> tuple[str, int, list[tuple[object, ...]]]:
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


def test_records_read_back_exactly_as_written(store: Store) -> None:
    table, _, rows = _records(store)
    with store.transaction(write=False) as tx:
        assert tx.read_records(table, COLUMNS, limit=10, offset=0) == rows
        assert tx.read_records(table, ["Name"], limit=1, offset=0, record_id=rows[1][0]) == [
            ("Gemini",)
        ]
        assert tx.read_records(table, ["id"], limit=1, offset=1) == [(rows[1][0],)]
        assert records_in(tx, table) == 3
        ids = [int(str(r[0])) for r in rows]
        assert tx.record_names(table, "Name", [ids[0], ids[2], 1]) == {
            ids[0]: "Apollo",
            ids[2]: "\u00fcmlaut",
        }


def test_records_match_their_keys_as_given(store: Store) -> None:
    table, job, rows = _records(store)
    first = int(str(rows[0][0]))
    with store.transaction(write=False) as tx:
        assert tx.match_records(table, "Name", ["Apollo", "apollo", "Nobody"]) == {
            "Apollo": [(first, job)]
        }
        assert tx.match_records(table, "Code", [7, 8, 9]) == {
            7: [(first, job)],
            8: [(first + 2, job)],
        }
        assert tx.match_records(table, "id", [first + 1]) == {first + 1: [(first + 1, None)]}
        assert tx.match_records(table, "Day", ["2026-11-28"]) == {"2026-11-28": [(first, job)]}
        assert tx.match_records(table, "Flag", [0]) == {0: [(first + 1, None)]}


def test_records_update_in_place(store: Store) -> None:
    table, job, rows = _records(store)
    first = int(str(rows[0][0]))
    changes = [
        (41, "2026-12-01T08:00:00+01:00", job + 1, first),
        (5, None, job + 1, first + 1),
    ]
    with store.transaction() as tx:
        tx.update_frame(table, frame_of(["Count", "Moment", "_job", "id"], changes))
    with store.transaction(write=False) as tx:
        got = tx.read_records(table, ["id", "Count", "Moment", "_job", "Name"], limit=9, offset=0)
    assert got == [
        (first, 41, "2026-12-01T08:00:00+01:00", job + 1, "Apollo"),
        (first + 1, 5, None, job + 1, "Gemini"),
        (first + 2, -3, "2026-11-28T12:00:00", job, "\u00fcmlaut"),
    ]


def test_a_unique_conflict_writes_nothing_and_the_transaction_goes_on(store: Store) -> None:
    table, _, _ = _records(store)
    with store.transaction() as tx:
        first = tx.allocate_ids(3)
        clash = frame_of(["id", "Name"], [(first, "Zeta"), (first + 1, "Apollo")])
        with pytest.raises(RecordConflict):
            tx.insert_frame(table, clash)
        assert records_in(tx, table) == 3
        with pytest.raises(RuntimeError), tx.savepoint():
            tx.insert_frame(table, frame_of(["id", "Name"], [(first + 1, "Undone")]))
            raise RuntimeError
        tx.insert_frame(table, frame_of(["id", "Name"], [(first + 2, "Zeta")]))
    with store.transaction(write=False) as tx:
        assert tx.match_records(table, "Name", ["Zeta", "Undone"]) == {"Zeta": [(first + 2, None)]}


def test_records_sort_as_sqlite_does(store: Store) -> None:
    table, _, _ = _records(store)
    with store.transaction() as tx:
        first = tx.allocate_ids(3)
        names = [(first, "apple"), (first + 1, "Zeta"), (first + 2, None)]
        tx.insert_frame(table, frame_of(["id", "Name"], names))
        ascending = tx.read_records(table, ["Name"], limit=9, offset=0, order_by="Name")
        descending = tx.read_records(
            table, ["Name"], limit=9, offset=0, order_by="Name", descending=True
        )
    names = [None, "Apollo", "Gemini", "Zeta", "apple", "\u00fcmlaut"]
    assert [r[0] for r in ascending] == names
    assert [r[0] for r in descending] == names[::-1]


def test_a_field_added_by_another_process_is_written_and_read(
    store: Store, tmp_path: Path, database_url: str
) -> None:
    """Another machine's store adds a column; this one's knowledge of the table catches up."""
    table, _, rows = _records(store)
    with store.transaction(write=False) as tx:
        assert len(tx.read_records(table, COLUMNS, limit=9, offset=0)) == 3  # columns now known
        org_id = tx.list_orgs()[0].id
        module = tx.get_module(org_id, "Things")
    assert module is not None
    other = open_store(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        with other.transaction() as tx:
            tx.add_field(org_id, module, Field("Due", T.DATETIME))
    finally:
        other.close()
    first = int(str(rows[0][0]))
    with store.transaction() as tx:
        due = pl.DataFrame({"Due": ["2026-12-24T18:00:00-05:00"], "id": [first]})
        tx.update_frame(table, due)
        got = tx.read_records(table, ["id", "Due"], limit=9, offset=0)
    assert got == [
        (first, "2026-12-24T18:00:00-05:00"),
        (first + 1, None),
        (first + 2, None),
    ]
