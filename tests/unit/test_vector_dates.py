"""Date, datetime and number-pattern columns at column speed agree with the per-cell converters,
cell for cell, for the default patterns and every kind of pattern a ``format`` may carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkwrite.domain.modules import Field, FieldType
from bulkwrite.importer.convert import INVALID, make_converter
from bulkwrite.importer.dates import compile_date_pattern
from bulkwrite.importer.formats import DEFAULT_DATE_PATTERN, DEFAULT_DATETIME_PATTERN
from bulkwrite.importer.numbers import compile_number_pattern
from bulkwrite.importer.plan import Column
from bulkwrite.importer.vector import _vector_for, convert_column, store_value

T = FieldType
PATTERNS = [
    None,
    "yyyy-MM-dd",
    "dd/MM/yy",
    "d.M.yyyy",
    "dd MMM yyyy",
    "MMMM d, yyyy",
    "yyyyMMdd",
    "yyyy-MM-dd'T'HH:mm:ssXXX",
    "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
    "MM/dd/yyyy hh:mm a",
    "dd.MM.yyyy H:m:s X",
    "yyyy-MM-dd HH:mmXX",
    "''yy''-MM-dd",
    "yyyy年MM月dd日",
]
JUNK = st.sampled_from(
    [*" +-:./,T0123456789aApPzZ", "\t", "\u00a0", "\u0663", "\uff11", "é", "Feb", "sept",
     "MAY", "12", "2024", "30", "00", "+05:30", "-0800", "+2400", "AM", "pm", "  "]
)  # fmt: skip
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                               timezone(timedelta(hours=-8)), timezone(timedelta(0))]),
)  # fmt: skip


@st.composite
def cell(draw: st.DrawFn, pattern: str) -> str:
    """A valid cell of ``pattern`` (or ISO), one a few edits away, or junk."""
    moment = draw(MOMENTS).replace(microsecond=draw(st.sampled_from([0, 5000, 123000, 7])))
    kind = draw(st.integers(0, 3))
    if kind == 3:
        return "".join(draw(st.lists(JUNK, max_size=6)))
    text = compile_date_pattern(pattern).format(moment) if kind else moment.isoformat()
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["drop", "insert", "replace"]))
        piece = draw(JUNK)
        if edit == "drop":
            text = text[:at] + text[at + 1 :]
        elif edit == "insert":
            text = text[:at] + piece + text[at:]
        else:
            text = text[:at] + piece + text[at + 1 :]
    return text


def reference(column: Column, cells: list[str]) -> tuple[list[object], list[bool], list[bool]]:
    """What the per-cell converter of ``column`` (with its pattern) makes of each cell."""
    values: list[object] = []
    empty: list[bool] = []
    invalid: list[bool] = []
    for text in cells:
        blank = not text or text.isspace()
        value = None if blank else column.convert(text)
        bad = value is INVALID
        values.append(None if bad or blank else store_value(value))
        empty.append(blank)
        invalid.append(bad)
    return values, empty, invalid


def column_of(kind: FieldType, pattern: str | None) -> Column:
    field = Field("When", kind)
    return Column(field, 0, "When", make_converter(field, pattern), None, None, pattern)


@pytest.mark.parametrize("kind", [T.DATE, T.DATETIME], ids=lambda k: k.value)
@pytest.mark.parametrize("pattern", PATTERNS, ids=str)
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_date_columns_equal_reference(
    kind: FieldType, pattern: str | None, data: st.DataObject
) -> None:
    default = DEFAULT_DATE_PATTERN if kind is T.DATE else DEFAULT_DATETIME_PATTERN
    cells = data.draw(st.lists(cell(pattern or default), min_size=1, max_size=30))
    column = column_of(kind, pattern)
    got = convert_column(pl.Series(cells, dtype=pl.String), column)
    values, empty, invalid = reference(column, cells)
    assert got.empty.to_list() == empty
    assert got.invalid.to_list() == invalid
    assert got.values.to_list() == values


@pytest.mark.parametrize(
    ("cell", "date", "moment"),
    [
        ("01/02/2026", "2026-01-02", None),
        ("1/2/2026", "2026-01-02", None),  # the default MM/dd/yyyy is lenient on width, as Java
        ("02/29/2024", "2024-02-29", None),
        ("02/30/2024", None, None),
        ("  12/31/1999 ", "1999-12-31", None),
        ("2026-01-05", "2026-01-05", "2026-01-05T00:00:00+00:00"),
        ("2026-01-05T10:11:12.5+05:30", None, "2026-01-05T10:11:12.500000+05:30"),
        ("2026-01-05 10:11-00:00", None, "2026-01-05T10:11:00+00:00"),
        ("2026-01-05T10:11:12+24:00", None, None),
        ("01/02/2026 23:59:59", None, "2026-01-02T23:59:59+00:00"),
        ("01/02/2026 24:00:00", None, None),
        # non-ASCII digits: refused by both paths
        ("\u0660\u0661/\u0660\u0662/\u0662\u0660\u0662\u0666", None, None),
    ],
)
def test_default_patterns(cell: str, date: str | None, moment: str | None) -> None:
    for kind, expected in ((T.DATE, date), (T.DATETIME, moment)):
        got = convert_column(pl.Series([cell], dtype=pl.String), column_of(kind, None))
        assert got.values.to_list() == [expected]
        assert got.invalid.to_list() == [expected is None]


def test_dates_take_the_vector_path() -> None:
    """Only patterns with a non-ASCII literal stay cell by cell."""
    for pattern in PATTERNS:
        for kind in (T.DATE, T.DATETIME):
            vector = _vector_for(column_of(kind, pattern))
            assert (vector is None) == (pattern is not None and not pattern.isascii())


NUMBER_PATTERNS = ["#,##0.00", "#.##0,00", "# ##0", "#'##0.###", "0.00", "#,##", "0.###", "#,###"]
NUMBER_PIECES = st.sampled_from(
    [*" +-.,'%0123456789", "1,234", "1.234", "12,34", "1 234", "1'234", "\u00a0", "\u2019",
     "\u0663", "9" * 25, "e5", "inf", "  "]
)  # fmt: skip
NUMBER_FIELDS = [
    Field("Count", T.INTEGER, min_value=-5000, max_value=10**6),
    Field("Big", T.BIGINT),
    Field("Money", T.CURRENCY),
    Field("Share", T.PERCENT),
]


@st.composite
def number_cell(draw: st.DrawFn, pattern: str) -> str:
    """A number written with ``pattern``, one a few edits away, or junk."""
    if draw(st.booleans()):
        return "".join(draw(st.lists(NUMBER_PIECES, max_size=5)))
    value = draw(st.one_of(st.integers(-(10**12), 10**12), st.floats(-1e9, 1e9)))
    text = compile_number_pattern(pattern).format(value)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(NUMBER_PIECES) + text[at + draw(st.integers(0, 1)) :]
    return text


@pytest.mark.parametrize("field", NUMBER_FIELDS, ids=lambda f: f.type.value)
@pytest.mark.parametrize("pattern", NUMBER_PATTERNS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_number_patterns_equal_reference(field: Field, pattern: str, data: st.DataObject) -> None:
    cells = data.draw(st.lists(number_cell(pattern), min_size=1, max_size=30))
    column = Column(field, 0, field.api_name, make_converter(field, pattern), None, None, pattern)
    assert _vector_for(column) is not None
    got = convert_column(pl.Series(cells, dtype=pl.String), column)
    values, empty, invalid = reference(column, cells)
    assert got.empty.to_list() == empty
    assert got.invalid.to_list() == invalid
    assert got.values.to_list() == values
