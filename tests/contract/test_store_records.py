"""The Store contract for record tables, one body per store: records read back exactly as
written, matched by their keys, updated in place, unique conflicts, sort order, a field another
process added."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from bulkwrite.bootstrap import open_store
from bulkwrite.domain.modules import Field, FieldType
from bulkwrite.errors import RecordConflict
from bulkwrite.settings import Settings
from bulkwrite.store.base import Store
from tests.contract.records import COLUMNS, frame_of, records_in, written_records


def test_records_read_back_exactly_as_written(store: Store) -> None:
    table, _, rows = written_records(store)
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
    table, job, rows = written_records(store)
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
    table, job, rows = written_records(store)
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
    table, _, _ = written_records(store)
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
    table, _, _ = written_records(store)
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
    table, _, rows = written_records(store)
    with store.transaction(write=False) as tx:
        assert len(tx.read_records(table, COLUMNS, limit=9, offset=0)) == 3  # columns now known
        org_id = tx.list_orgs()[0].id
        module = tx.get_module(org_id, "Things")
    assert module is not None
    other = open_store(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        with other.transaction() as tx:
            tx.add_field(org_id, module, Field("Due", FieldType.DATETIME))
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
