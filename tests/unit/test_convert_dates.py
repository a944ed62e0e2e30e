"""Table-driven tests of the date and datetime cell converters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from bulkwrite.domain.modules import Field, FieldType
from bulkwrite.importer.convert import INVALID, make_converter

T = FieldType
IST = timezone(timedelta(hours=5, minutes=30))


def convert(
    field_type: FieldType, cell: str, pattern: str | None = None, **field_args: Any
) -> object:
    field = Field("F", field_type, **field_args)
    return make_converter(field, pattern)(cell)


def same(actual: object, expected: object) -> bool:
    """Equal, and of exactly the same type (so 1 is not 1.0 and True is not 1)."""
    return type(actual) is type(expected) and actual == expected


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "cell", "expected"),
    [
        (None, "11/28/2026", date(2026, 11, 28)),
        (None, " 1/5/2026 ", date(2026, 1, 5)),
        (None, "2026-11-28", date(2026, 11, 28)),  # ISO is always accepted
        (None, "02/29/2024", date(2024, 2, 29)),
        (None, "02/29/2026", INVALID),
        (None, "02/29/1900", INVALID),
        (None, "02/29/2000", date(2000, 2, 29)),
        (None, "02/30/2026", INVALID),
        (None, "04/31/2026", INVALID),
        (None, "13/01/2026", INVALID),
        (None, "00/10/2026", INVALID),
        (None, "12/00/2026", INVALID),
        (None, "11/28/26", INVALID),
        (None, "28.11.2026", INVALID),
        (None, "2026-02-30", INVALID),
        (None, "2026-11-28T10:00:00Z", INVALID),
        (None, "11/28/2026 10:00:00", INVALID),
        ("dd.MM.yyyy", "28.11.2026", date(2026, 11, 28)),
        ("dd.MM.yyyy", "2026-11-28", date(2026, 11, 28)),
        ("dd.MM.yyyy", "11/28/2026", INVALID),
        ("d MMM yyyy", "5 sep 2026", date(2026, 9, 5)),
        ("MMMM d, yyyy", "FEBRUARY 29, 2024", date(2024, 2, 29)),
        ("MMMM d, yyyy", "February 29, 2025", INVALID),
        ("dd-MMM-yy", "01-Jan-69", date(2069, 1, 1)),
        ("dd-MMM-yy", "01-Jan-70", date(1970, 1, 1)),
        ("dd-MMM-yy", "01-Foo-70", INVALID),
        ("yyyyMMdd", "20240229", date(2024, 2, 29)),
        ("yyyy/MM/dd HH:mm", "2026/11/28 23:59", date(2026, 11, 28)),  # time checked, dropped
        ("yyyy/MM/dd HH:mm", "2026/11/28 24:00", INVALID),
    ],
)
def test_date(pattern: str | None, cell: str, expected: object) -> None:
    assert same(convert(T.DATE, cell, pattern), expected)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        micro: int = 0) -> datetime:  # fmt: skip
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "cell", "expected"),
    [
        (None, "11/28/2026 12:00:00", utc(2026, 11, 28, 12)),
        (None, "11/28/2026 23:59:59", utc(2026, 11, 28, 23, 59, 59)),
        (None, "11/28/2026 24:00:00", INVALID),
        (None, "11/28/2026 12:60:00", INVALID),
        (None, "11/28/2026 12:00:60", INVALID),
        (None, "11/28/2026", INVALID),
        (None, "2026-11-28T12:00:00+05:30", datetime(2026, 11, 28, 12, tzinfo=IST)),
        (None, "2026-11-28T12:00:00Z", utc(2026, 11, 28, 12)),
        (None, "2026-11-28T12:00:00.123456Z", utc(2026, 11, 28, 12, 0, 0, 123456)),
        (None, "2026-11-28T12:00:00.5-0800", datetime(2026, 11, 28, 12, 0, 0, 500000,
                                                     tzinfo=timezone(timedelta(hours=-8)))),
        (None, "2026-11-28T12:00:00", utc(2026, 11, 28, 12)),
        (None, "2026-11-28 12:00", utc(2026, 11, 28, 12)),
        (None, "2026-11-28", utc(2026, 11, 28)),
        (None, "2026-11-28T12:00:00+24:00", INVALID),
        (None, "2026-11-28T12:00:00+05:60", INVALID),
        (None, "2026-02-29T12:00:00Z", INVALID),
        (None, "2026-11-28T25:00:00Z", INVALID),
        ("MM/dd/yyyy hh:mm a", "01/01/2026 12:00 AM", utc(2026, 1, 1, 0)),
        ("MM/dd/yyyy hh:mm a", "01/01/2026 12:30 am", utc(2026, 1, 1, 0, 30)),
        ("MM/dd/yyyy hh:mm a", "01/01/2026 12:00 PM", utc(2026, 1, 1, 12)),
        ("MM/dd/yyyy hh:mm a", "01/01/2026 01:00 PM", utc(2026, 1, 1, 13)),
        ("MM/dd/yyyy hh:mm a", "01/01/2026 11:59 pm", utc(2026, 1, 1, 23, 59)),
        ("MM/dd/yyyy hh:mm a", "01/01/2026 13:00 PM", INVALID),
        ("MM/dd/yyyy hh:mm a", "01/01/2026 13:00", INVALID),
        ("dd/MM/yyyy", "28/11/2026", utc(2026, 11, 28)),  # date-only pattern: midnight UTC
        ("dd.MM.yyyy HH:mm Z", "28.11.2026 12:00 +0530", datetime(2026, 11, 28, 12, tzinfo=IST)),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2026-11-28T12:00:00.250Z",
         utc(2026, 11, 28, 12, 0, 0, 250000)),
    ],
)  # fmt: skip
def test_datetime(pattern: str | None, cell: str, expected: object) -> None:
    value = convert(T.DATETIME, cell, pattern)
    assert same(value, expected)
    if isinstance(value, datetime) and isinstance(expected, datetime):
        assert value.utcoffset() == expected.utcoffset()
