"""Date and number patterns: what compiles, what they read, and format → parse round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkwrite.domain.modules import Field, FieldType
from bulkwrite.errors import FormatInvalid
from bulkwrite.importer.convert import make_converter
from bulkwrite.importer.formats import compile_date_pattern, compile_number_pattern

FEW = settings(max_examples=60, deadline=None)
AHEAD = timezone(timedelta(hours=5, minutes=45))
BEHIND = timezone(timedelta(hours=-9, minutes=-30))

DATE_PATTERNS = [
    "MM/dd/yyyy",
    "dd/MM/yyyy",
    "yyyy-MM-dd",
    "dd.MM.yyyy",
    "d MMM yyyy",
    "MMMM d, yyyy",
    "dd-MMM-yy",
    "M/d/yy",
    "yyyyMMdd",
    "yyyy/MM/dd",
    "d. MMMM yyyy",
]
#: Each pattern with the finest unit it writes: "h"our, "m"inute, "s"econd or "ms".
DATETIME_PATTERNS = {
    "yyyy/MM/dd HH:mm:ss": "s",
    "MM/dd/yyyy hh:mm a": "m",
    "dd.MM.yyyy HH:mm": "m",
    "yyyy-MM-dd'T'HH:mm:ssXXX": "s",
    "yyyy-MM-dd'T'HH:mm:ss.SSSZ": "ms",
    "MM/dd/yyyy HH:mm:ss": "s",
    "d-MMM-yyyy h:mm:ss a": "s",
    "yyyyMMdd'T'HHmmssX": "s",
    "yyyy-MM-dd HH:mm:ss XX": "s",
    "dd/MM/yy H:m:s": "s",
    "'Day' d 'of' MMMM yyyy, HH 'o''clock'": "h",
}


def _expected(pattern: str, value: datetime) -> datetime:
    """``value`` cut to what ``pattern`` can say."""
    unit = DATETIME_PATTERNS[pattern]
    micro = value.microsecond // 1000 * 1000 if unit == "ms" else 0
    second = value.second if unit in ("s", "ms") else 0
    minute = value.minute if unit != "h" else 0
    return value.replace(minute=minute, second=second, microsecond=micro)


@st.composite
def _moments(draw: st.DrawFn, pattern: str) -> datetime:
    years = (1970, 2069) if "yyyy" not in pattern else (1, 9999)
    naive = draw(st.datetimes(datetime(years[0], 1, 1), datetime(years[1], 12, 31, 23, 59, 59)))
    if not any(letter in pattern for letter in "XZ"):
        tz = UTC
    elif "X" in pattern and "XX" not in pattern:
        tz = timezone(timedelta(hours=draw(st.integers(-14, 14))))
    else:
        tz = timezone(timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60))))
    return naive.replace(tzinfo=tz)


@pytest.mark.parametrize("pattern", DATE_PATTERNS)
@FEW
@given(data=st.data())
def test_date_round_trip(pattern: str, data: st.DataObject) -> None:
    low = date(1970, 1, 1) if "yyyy" not in pattern else date(1, 1, 1)
    high = date(2069, 12, 31) if "yyyy" not in pattern else date(9999, 12, 31)
    value = data.draw(st.dates(low, high))
    compiled = compile_date_pattern(pattern)
    text = compiled.format(value)
    assert compiled.parse(text) == value
    assert make_converter(Field("D", FieldType.DATE), pattern)(text) == value


@pytest.mark.parametrize("pattern", DATETIME_PATTERNS)
@FEW
@given(data=st.data())
def test_datetime_round_trip(pattern: str, data: st.DataObject) -> None:
    value = _expected(pattern, data.draw(_moments(pattern)))
    compiled = compile_date_pattern(pattern)
    text = compiled.format(value)
    parsed = compiled.parse(text)
    assert parsed == value
    assert isinstance(parsed, datetime)
    assert parsed.utcoffset() == value.utcoffset()
    assert make_converter(Field("T", FieldType.DATETIME), pattern)(text) == value


@FEW
@given(
    value=st.datetimes(
        datetime(1, 1, 2),
        datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, None, AHEAD, BEHIND]),
    ),
    pattern=st.sampled_from([None, *DATETIME_PATTERNS]),
)
def test_iso_datetime_always_accepted(value: datetime, pattern: str | None) -> None:
    expected = value if value.tzinfo else value.replace(tzinfo=UTC)
    assert make_converter(Field("T", FieldType.DATETIME), pattern)(value.isoformat()) == expected


@FEW
@given(value=st.dates(), pattern=st.sampled_from([None, *DATE_PATTERNS]))
def test_iso_date_always_accepted(value: date, pattern: str | None) -> None:
    assert make_converter(Field("D", FieldType.DATE), pattern)(value.isoformat()) == value


@pytest.mark.parametrize(
    ("pattern", "value", "text"),
    [
        ("MM/dd/yyyy", date(2026, 1, 5), "01/05/2026"),
        ("M/d/yy", date(2005, 1, 5), "1/5/05"),
        ("d MMM yyyy", date(2026, 9, 5), "5 Sep 2026"),
        ("MMMM d, yyyy", date(2026, 9, 5), "September 5, 2026"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", datetime(2026, 1, 5, 13, 4, 5, tzinfo=UTC),
         "2026-01-05T13:04:05Z"),
        ("yyyy-MM-dd HH:mm Z", datetime(2026, 1, 5, 13, 4, tzinfo=UTC), "2026-01-05 13:04 +0000"),
        ("MM/dd/yyyy hh:mm a", datetime(2026, 1, 5, 0, 30, tzinfo=UTC), "01/05/2026 12:30 AM"),
        ("MM/dd/yyyy hh:mm a", datetime(2026, 1, 5, 12, 30, tzinfo=UTC), "01/05/2026 12:30 PM"),
        ("dd.MM.yyyy HH:mmXXX", datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=-3))),
         "05.01.2026 09:00-03:00"),
    ],
)  # fmt: skip
def test_date_format(pattern: str, value: date, text: str) -> None:
    assert compile_date_pattern(pattern).format(value) == text


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("dd MMM yyyy", "05 SEPT 2026", date(2026, 9, 5)),
        ("dd MMM yyyy", "05 september 2026", date(2026, 9, 5)),
        ("dd MMM yyyy", "05  Sep   2026", date(2026, 9, 5)),  # a space matches spaces
        ("dd MMM yyyy", "05 Sepx 2026", None),
        ("yyyy-MM-dd'T'HH:mm", "2026-11-28t12:00", datetime(2026, 11, 28, 12, tzinfo=UTC)),
        ("yyyy-MM-ddTHH:mm", "2026-11-28T12:00", datetime(2026, 11, 28, 12, tzinfo=UTC)),
        ("yyyy-MM-dd HH:mmX", "2026-11-28 12:00+05", datetime(2026, 11, 28, 12,
                                                              tzinfo=timezone(timedelta(hours=5)))),
        ("yyyy-MM-dd HH:mmX", "2026-11-28 12:00+99", None),
        ("MM/dd/yyyy", "11/28/2026x", None),
        ("MM/dd/yyyy", "111/28/2026", None),
        ("MM/dd/yyyy", "11-28-2026", None),
    ],
)  # fmt: skip
def test_date_parse(pattern: str, text: str, expected: date | None) -> None:
    assert compile_date_pattern(pattern).parse(text) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "   ",
        "yyyy-QQ-dd",
        "hh:mm",
        "MM/dd/yyyy hh:mm",
        "MM/dd/yyyy HH:mm a",
        "MM/dd",
        "dd/yyyy",
        "MM/yyyy",
        "y/MM/dd",
        "yyy/MM/dd",
        "MMMMM d yyyy",
        "ddd/MM/yyyy",
        "MM/dd/yyyy mm:ss",
        "MM/dd/yyyy HH:ss",
        "MM/dd/yyyy HH:mm:ss.S",
        "MM/dd/yyyy HH:mm:SSS",
        "MM/dd/yyyy'",
        "MM/dd/yyyy EEE",
        "MM/dd/yyyy z",
        "MM/dd/yyyy/MM",
        "MM/dd/yyyy HH hh a",
    ],
)
def test_bad_date_patterns(pattern: str) -> None:
    with pytest.raises(FormatInvalid, match="format pattern"):
        compile_date_pattern(pattern)


@pytest.mark.parametrize("pattern", [*DATE_PATTERNS, *DATETIME_PATTERNS])
def test_good_date_patterns_compile(pattern: str) -> None:
    assert compile_date_pattern(pattern).pattern == pattern


# -- numbers ---------------------------------------------------------------------------------

DECIMAL_PATTERNS = [
    "#,##0.00",
    "#.##0,00",
    "# ##0,00",
    "#\u00a0##0,00",
    "#'##0.00",
    "0.00",
    "0.###",
    "##0.0#",
    "#,##0.000",
    "#,##",
    "000.00",
]
INTEGER_PATTERNS = ["#,##0", "#,###", "#.###", "#.##0", "# ###", "0", "#", "#,##0.##"]


@pytest.mark.parametrize("pattern", DECIMAL_PATTERNS)
@FEW
@given(value=st.decimals(-(10**12), 10**12, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_round_trip(pattern: str, value: Decimal) -> None:
    compiled = compile_number_pattern(pattern)
    text = compiled.format(value)
    assert compiled.parse(text) == float(value)
    assert make_converter(Field("N", FieldType.CURRENCY), pattern)(text) == float(value)


@pytest.mark.parametrize("pattern", INTEGER_PATTERNS)
@FEW
@given(value=st.integers(-(2**63), 2**63 - 1))
def test_integer_round_trip(pattern: str, value: int) -> None:
    compiled = compile_number_pattern(pattern)
    text = compiled.format(value)
    assert compiled.parse(text) == value
    assert make_converter(Field("N", FieldType.BIGINT), pattern)(text) == value


@pytest.mark.parametrize(
    ("pattern", "grouping", "decimal"),
    [
        ("#,##0.00", ",", "."),
        ("#.##0,00", ".", ","),
        ("# ##0,00", " ", ","),
        ("#'##0.00", "'", "."),
        ("0.###", "", "."),
        ("#,##0", ",", "."),
        ("#,###", ",", "."),
        ("#.###", ".", ","),
        ("0,000", ",", "."),
        ("#,##", "", ","),
        ("0.00", "", "."),
        ("0", "", "."),
        ("#,###,##0", ",", "."),
        ("# ###", " ", "."),
    ],
)
def test_number_separators(pattern: str, grouping: str, decimal: str) -> None:
    compiled = compile_number_pattern(pattern)
    assert (compiled.grouping, compiled.decimal) == (grouping, decimal)


@pytest.mark.parametrize(
    ("pattern", "value", "text"),
    [
        ("#,##0.00", 1234567.891, "1,234,567.89"),
        ("#,##0.00", -0.001, "0.00"),
        ("#,##0.00", 0.125, "0.12"),  # half-even
        ("#.##0,00", 1234.5, "1.234,50"),
        ("0.###", 1.5, "1.5"),
        ("0.###", 2, "2"),
        ("#.##", 0.5, ".5"),
        ("000.00", 1.5, "001.50"),
        ("#,##0", 999.5, "1,000"),
        ("#'##0.00", Decimal("1234.5"), "1'234.50"),
    ],
)
def test_number_format(pattern: str, value: float | int | Decimal, text: str) -> None:
    assert compile_number_pattern(pattern).format(value) == text


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        " ",
        "##.##.##",
        "#,##0.00.0",
        "#,##0.00,00",
        "#,##,##0.00",
        "#,##0 000.00",
        "#,,##0",
        ",##0",
        "#,##0.",
        "0#.##",
        "#.#0",
        "#,##0.00 ",
        "$#,##0.00",
        "#,##0.00%",
        "0.0E0",
        "#.##0 00",
        "yyyy",
    ],
)
def test_bad_number_patterns(pattern: str) -> None:
    with pytest.raises(FormatInvalid, match="format pattern"):
        compile_number_pattern(pattern)
