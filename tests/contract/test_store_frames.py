"""Frames in, records out: ``insert_frame``/``update_frame`` write exactly the values they are
given, on every store, for values that are awkward to carry (quotes, line ends, ``\\.``, empty
strings against NULLs, floats, datetimes with their offsets, JSON lists)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkwrite.errors import RecordConflict
from bulkwrite.store.base import Store, Tx
from tests.contract.records import COLUMNS, frame_of, records_in, written_records

AWKWARD_TEXT = ["", "a,b", 'say "hi"', "line\nbreak", "crlf\r\nend", "\\.", "\\N", "tab\there"]
TEXT = st.one_of(st.none(), st.sampled_from(AWKWARD_TEXT), st.text(max_size=12)).map(
    lambda t: t if t is None else t.replace("\x00", "")
)
FLOATS = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
INTS = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))
MOMENTS = st.sampled_from(
    [None, "2026-11-28T09:30:00+05:30", "2026-01-02T03:04:05.678000+00:00", "2026-11-28T12:00:00"]
)
TAGS = st.sampled_from([None, "[]", '["Billable", "Urgent"]', '["Caf\\u00e9"]'])
DAYS = st.sampled_from([None, "2026-11-28", "2000-02-29"])
FLAGS = st.sampled_from([None, 0, 1])
ROW = st.tuples(TEXT, INTS, FLOATS, FLAGS, DAYS, MOMENTS, TAGS, INTS, INTS)
FIELDS = COLUMNS[2:]  # every field, in the order of ROW


def _frame(ids: list[int], rows: list[tuple[object, ...]]) -> pl.DataFrame:
    return frame_of(["id", *FIELDS], [(id_, *row) for id_, row in zip(ids, rows, strict=True)])


def _unique_rows(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Rows with distinct Name and Code (both unique fields, already held by
    ``written_records``)."""
    seen_names: set[object] = {"Apollo", "Gemini", "\u00fcmlaut"}
    seen_codes: set[object] = {7, 8}
    kept = []
    for row in rows:
        name, code = row[0], row[8]
        if name in seen_names or code in seen_codes:
            continue
        seen_names.add(name) if name is not None else None
        seen_codes.add(code) if code is not None else None
        kept.append(row)
    return kept


class _Undo(Exception):
    """Raised to roll a transaction back."""


def _written(store: Store, write: Callable[[Tx, int], None], table: str) -> list[object]:
    """What ``write(tx, first id)`` leaves in the table beside ``written_records``' rows
    (rolled back)."""
    got: list[object] = []
    with pytest.raises(_Undo), store.transaction() as tx:
        first = tx.allocate_ids(10)
        write(tx, first)
        got = [r[1:] for r in tx.read_records(table, COLUMNS, limit=99, offset=0) if r[0] >= first]
        raise _Undo
    return got


def test_a_frame_is_stored_as_its_rows(store: Store) -> None:
    table, job, _ = written_records(store)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=st.lists(ROW, min_size=1, max_size=6).map(_unique_rows))
    def check(rows: list[tuple[object, ...]]) -> None:
        def by_frame(tx: Tx, first: int) -> None:
            ids = [first + i for i in range(len(rows))]
            tx.insert_frame(table, _frame(ids, rows), {"_job": job})

        assert _written(store, by_frame, table) == [(job, *row) for row in rows]

    check()


def test_an_updated_frame_sets_each_record_to_its_last_row(store: Store) -> None:
    table, job, rows = written_records(store)
    ids = [int(str(r[0])) for r in rows]
    changes = [
        (41, "2026-12-01T08:00:00+01:00", '["a,\\"b\\""]', 1, ids[0]),
        (None, None, None, 0, ids[1]),
        (7, "2026-12-01T08:00:00", "[]", None, ids[0]),  # named twice: the last row wins
    ]
    frame = pl.DataFrame(
        {
            "Count": [c[0] for c in changes],
            "Moment": [c[1] for c in changes],
            "Tags": [c[2] for c in changes],
            "Flag": [c[3] for c in changes],
            "id": [c[4] for c in changes],
        },
        schema={"Count": pl.Int64, "Moment": pl.String, "Tags": pl.String, "Flag": pl.Int64,
                "id": pl.Int64},
    )  # fmt: skip
    with store.transaction() as tx:
        tx.update_frame(table, frame, {"_job": job + 1, "Day": "2026-12-31"})
        got = tx.read_records(table, ["id", "Count", "Moment", "Tags", "Flag", "_job", "Day"],
                              limit=9, offset=0)  # fmt: skip
    assert got[:2] == [
        (ids[0], 7, "2026-12-01T08:00:00", "[]", None, job + 1, "2026-12-31"),
        (ids[1], None, None, None, 0, job + 1, "2026-12-31"),
    ]


def test_a_conflicting_frame_writes_nothing(store: Store) -> None:
    table, _, _ = written_records(store)
    with store.transaction() as tx:
        first = tx.allocate_ids(2)
        frame = pl.DataFrame({"id": [first, first + 1], "Name": ["Zeta", "Apollo"]})
        with pytest.raises(RecordConflict) as conflict:
            tx.insert_frame(table, frame)
        assert conflict.value.details == {"api_name": "Name"}
        assert records_in(tx, table) == 3
        clash = pl.DataFrame({"Code": [8], "id": [first - 3]})  # the first record takes 8 too
        with pytest.raises(RecordConflict) as conflict:
            tx.update_frame(table, clash)
        assert conflict.value.details == {"api_name": "Code"}
        tx.insert_frame(table, frame.head(1))
        assert records_in(tx, table) == 4


def _as_frame(found: dict[object, list[tuple[int, int | None]]]) -> list[tuple[object, ...]]:
    return sorted((k, rid, job) for k, hits in found.items() for rid, job in hits)


def test_match_frame_finds_what_match_records_finds(store: Store) -> None:
    table, _, rows = written_records(store)
    first = int(str(rows[0][0]))
    cases: list[tuple[str, pl.Series]] = [
        ("Name", pl.Series(["Apollo", "apollo", None, "Nobody", "Apollo", "\u00fcmlaut"])),
        ("Code", pl.Series([7, 8, 9, None, 7])),
        ("id", pl.Series([first + 1, first + 5])),
        ("Day", pl.Series(["2026-11-28", "not a date"])),
        ("Flag", pl.Series([0])),
    ]
    with store.transaction(write=False) as tx:
        for column, keys in cases:
            framed = tx.match_frame(table, column, keys)
            assert framed.columns == ["key", "id", "job"]
            assert framed["key"].dtype == keys.dtype
            distinct = keys.drop_nulls().unique().to_list()
            expected = _as_frame(tx.match_records(table, column, distinct))
            assert sorted(framed.rows()) == expected, column
