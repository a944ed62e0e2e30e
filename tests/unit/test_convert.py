"""Table-driven tests of the cell converters, one table per family of field types."""

from __future__ import annotations

import copy
import pickle
from datetime import timedelta, timezone
from typing import Any

import pytest

from bulkwrite.domain.modules import CHILD_TYPES, Field, FieldType
from bulkwrite.errors import FormatInvalid
from bulkwrite.importer.convert import FORMATTED_TYPES, INVALID, make_converter

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


# -- text family -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "cell", "length", "expected"),
    [
        (T.TEXT, "a" * 255, None, "a" * 255),
        (T.TEXT, "a" * 256, None, INVALID),
        (T.TEXT, "é" * 255, None, "é" * 255),  # counted in characters, not bytes
        (T.TEXT, "  kept as is  ", None, "  kept as is  "),
        (T.TEXT, "abcdefghij", 10, "abcdefghij"),
        (T.TEXT, "abcdefghijk", 10, INVALID),
        (T.TEXTAREA, "x" * 32000, None, "x" * 32000),
        (T.TEXTAREA, "x" * 32001, None, INVALID),
        (T.TEXTAREA, "line one\nline two", None, "line one\nline two"),
        (T.PHONE, "+1 (555) 010-0199 x12", None, "+1 (555) 010-0199 x12"),
        (T.PHONE, "1" * 30, None, "1" * 30),
        (T.PHONE, "1" * 31, None, INVALID),
        (T.PHONE, "call me maybe", None, "call me maybe"),
        (T.WEBSITE, "https://example.com/a?b=c", None, "https://example.com/a?b=c"),
        (T.WEBSITE, "w" * 256, None, INVALID),
    ],
)
def test_text_types(field_type: FieldType, cell: str, length: int | None, expected: object) -> None:
    assert convert(field_type, cell, length=length) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("a@b.co", "a@b.co"),
        ("  john.doe+tag@mail.example.com ", "john.doe+tag@mail.example.com"),
        ("O'Neil@Example.ORG", "O'Neil@Example.ORG"),
        ("x" * 94 + "@b.com", "x" * 94 + "@b.com"),  # exactly 100 characters
        ("x" * 95 + "@b.com", INVALID),
        ("a@b", INVALID),
        ("@b.co", INVALID),
        ("a@", INVALID),
        ("a@@b.co", INVALID),
        ("a@b@c.co", INVALID),
        ("a@b..co", INVALID),
        ("a@.b.co", INVALID),
        ("a@b.co.", INVALID),
        ("a b@c.co", INVALID),
        ("a@b .co", INVALID),
        ("ab.co", INVALID),
    ],
)
def test_email(cell: str, expected: object) -> None:
    assert convert(T.EMAIL, cell) == expected


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "cell", "expected"),
    [
        (T.INTEGER, "0", 0),
        (T.INTEGER, "42", 42),
        (T.INTEGER, " 42 ", 42),
        (T.INTEGER, "+7", 7),
        (T.INTEGER, "-7", -7),
        (T.INTEGER, "007", 7),
        (T.INTEGER, "2147483647", 2147483647),
        (T.INTEGER, "-2147483648", -2147483648),
        (T.INTEGER, "2147483648", INVALID),
        (T.INTEGER, "-2147483649", INVALID),
        (T.INTEGER, "1.5", INVALID),
        (T.INTEGER, "1.0", INVALID),
        (T.INTEGER, "1e3", INVALID),
        (T.INTEGER, "1,000", INVALID),
        (T.INTEGER, "1 000", INVALID),
        (T.INTEGER, "1_000", INVALID),
        (T.INTEGER, "--1", INVALID),
        (T.INTEGER, "+", INVALID),
        (T.INTEGER, "abc", INVALID),
        (T.INTEGER, "\u0661\u0662", INVALID),  # Arabic-Indic digits
        (T.INTEGER, "9" * 5000, INVALID),
        (T.BIGINT, "9223372036854775807", 9223372036854775807),
        (T.BIGINT, "-9223372036854775808", -9223372036854775808),
        (T.BIGINT, "9223372036854775808", INVALID),
        (T.BIGINT, "-9223372036854775809", INVALID),
        (T.BIGINT, "00000000000000000000000000012", 12),
        (T.BIGINT, "2147483648", 2147483648),
    ],
)
def test_integer_types(field_type: FieldType, cell: str, expected: object) -> None:
    assert same(convert(field_type, cell), expected)


@pytest.mark.parametrize(
    ("cell", "expected"), [("-10", -10), ("-11", INVALID), ("99", 99), ("100", INVALID)]
)
def test_integer_narrowed_by_field_bounds(cell: str, expected: object) -> None:
    assert same(convert(T.INTEGER, cell, min_value=-10, max_value=99), expected)


@pytest.mark.parametrize(
    ("pattern", "cell", "expected"),
    [
        ("#,##0", "1,234,567", 1234567),
        ("#,##0", "1234567", 1234567),
        ("#,##0", "1,234.5", INVALID),
        ("#,##0", "12,34", INVALID),
        ("#.##0", "2.147.483.647", 2147483647),
        ("#.##0", "2.147.483.648", INVALID),
        ("# ##0", "-1\u00a0234", -1234),
        ("#,##0.00", "1,234.00", INVALID),  # an integer has no fraction part
    ],
)
def test_integer_with_pattern(pattern: str, cell: str, expected: object) -> None:
    assert same(convert(T.INTEGER, cell, pattern), expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("-1234.56", -1234.56),
        ("+1234.56", 1234.56),
        ("1234", 1234.0),
        (".5", 0.5),
        ("-.5", -0.5),
        (" 3.25 ", 3.25),
        ("0", 0.0),
        ("1,234.56", INVALID),  # grouping needs a pattern
        ("1.234,56", INVALID),
        ("1e3", INVALID),
        ("1.", INVALID),
        ("1.2.3", INVALID),
        ("nan", INVALID),
        ("inf", INVALID),
        ("-Infinity", INVALID),
        ("$12", INVALID),
        ("12%", INVALID),  # only percent fields take a %
        ("9" * 400, INVALID),  # overflows a float
        ("\u0661.5", INVALID),
    ],
)
@pytest.mark.parametrize("field_type", [T.DECIMAL, T.CURRENCY, T.DOUBLE])
def test_decimal_types(field_type: FieldType, cell: str, expected: object) -> None:
    assert same(convert(field_type, cell), expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("50%", 50.0), ("12.5 %", 12.5), (" 7 ", 7.0), ("%", INVALID), ("5%%", INVALID)],
)
def test_percent(cell: str, expected: object) -> None:
    assert same(convert(T.PERCENT, cell), expected)


@pytest.mark.parametrize(
    ("pattern", "cell", "expected"),
    [
        ("#,##0.00", "1,234.56", 1234.56),
        ("#,##0.00", "1234.56", 1234.56),
        ("#,##0.00", "-1,234,567.5", -1234567.5),
        ("#,##0.00", "1,234", 1234.0),
        ("#,##0.00", "1.234,56", INVALID),
        ("#,##0.00", "1,23,4.00", INVALID),
        ("#.##0,00", "1.234,56", 1234.56),
        ("#.##0,00", "1234,5", 1234.5),
        ("#.##0,00", "1,234.56", INVALID),
        ("# ##0,00", "1 234,56", 1234.56),
        ("# ##0,00", "1\u00a0234,56", 1234.56),
        ("# ##0,00", "1\u202f234,56", 1234.56),
        ("#'##0.00", "1'234.50", 1234.5),
        ("#'##0.00", "1\u2019234.50", 1234.5),
        ("0.###", "0.125", 0.125),
        ("0.###", "1,234", INVALID),
        ("#,##0", "1,234", 1234.0),
        ("#,##0", "1,234.75", 1234.75),
        ("#.###", "1.234", 1234.0),
        ("#.###", "1.234,5", 1234.5),
        ("#,##", "12,5", 12.5),
        ("0.00", "+.25", 0.25),
        ("#,##0.00", "9" * 301, INVALID),
    ],
)
def test_decimal_with_pattern(pattern: str, cell: str, expected: object) -> None:
    assert same(convert(T.DECIMAL, cell, pattern), expected)


def test_percent_with_pattern() -> None:
    assert convert(T.PERCENT, "1.234,5 %", "#.##0,0") == 1234.5


# -- boolean ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *[(c, True) for c in ("true", "True", "TRUE", " yes ", "Yes", "1")],
        *[(c, False) for c in ("false", "FALSE", "no", "NO", "0", " 0 ")],
        *[(c, INVALID) for c in ("y", "n", "t", "f", "2", "on", "off", "truee", "01", "-1")],
    ],
)
def test_boolean(cell: str, expected: object) -> None:
    assert same(convert(T.BOOLEAN, cell), expected)


# -- picklists and references ----------------------------------------------------------------

SOURCES = ("Trade Show", "Web", "Cold Call")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Web", "Web"),
        ("web", "Web"),
        (" TRADE SHOW ", "Trade Show"),
        ("Cold  Call", INVALID),
        ("Email", INVALID),
    ],
)
def test_picklist(cell: str, expected: object) -> None:
    assert convert(T.PICKLIST, cell, picklist=SOURCES) == expected


def test_picklist_without_values_takes_any_text() -> None:
    assert convert(T.PICKLIST, " anything ") == " anything "


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Web", ("Web",)),
        ("web;cold call", ("Web", "Cold Call")),
        (" cold call ; WEB ;web", ("Cold Call", "Web")),
        ("Web;;", ("Web",)),
        (";;", INVALID),
        (" ; ", INVALID),
        ("Web;Email", INVALID),
        ("Web,Cold Call", INVALID),
    ],
)
def test_multiselect(cell: str, expected: object) -> None:
    assert convert(T.MULTISELECT, cell, picklist=SOURCES) == expected


def test_multiselect_without_values_takes_any_text() -> None:
    assert convert(T.MULTISELECT, " x ; y;x ") == ("x", "y")


@pytest.mark.parametrize("field_type", [T.LOOKUP, T.OWNERLOOKUP, T.USERLOOKUP])
@pytest.mark.parametrize(
    ("cell", "expected"),
    [(" Acme Inc ", "Acme Inc"), ("a" * 255, "a" * 255), ("a" * 256, INVALID)],
)
def test_references(field_type: FieldType, cell: str, expected: object) -> None:
    assert convert(field_type, cell) == expected


# -- patterns and the sentinel ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "pattern"),
    [
        (T.DATE, "yyyy-QQ-dd"),
        (T.DATE, ""),
        (T.DATETIME, "MM/dd/yyyy hh:mm"),
        (T.DATETIME, "#,##0.00"),
        (T.INTEGER, "##.##.##"),
        (T.DECIMAL, "yyyy"),
        (T.CURRENCY, ""),
        (T.PERCENT, "0.0%"),
    ],
)
def test_bad_pattern_names_itself(field_type: FieldType, pattern: str) -> None:
    with pytest.raises(FormatInvalid, match=f"'{pattern}'"):
        make_converter(Field("F", field_type), pattern)


@pytest.mark.parametrize("field_type", [t for t in FieldType if t not in FORMATTED_TYPES])
def test_a_format_on_a_type_that_has_none_is_refused(field_type: FieldType) -> None:
    with pytest.raises(FormatInvalid, match="applies to date, datetime and number fields"):
        make_converter(Field("F", field_type), "MM/dd/yyyy")


@pytest.mark.parametrize("field_type", sorted(FORMATTED_TYPES))
def test_a_format_is_taken_by_dates_and_numbers(field_type: FieldType) -> None:
    pattern = "MM/dd/yyyy" if field_type in (T.DATE, T.DATETIME) else "#,##0.##"
    assert callable(make_converter(Field("F", field_type), pattern))


def test_every_field_type_has_a_converter() -> None:
    for field_type in FieldType:
        assert callable(make_converter(Field("F", field_type)))


def test_a_field_of_child_rows_takes_no_cell() -> None:
    for field_type in CHILD_TYPES:
        convert = make_converter(Field("F", field_type))
        assert convert("x") is INVALID and convert("1") is INVALID


def test_invalid_is_a_singleton() -> None:
    assert repr(INVALID) == "INVALID"
    assert pickle.loads(pickle.dumps(INVALID)) is INVALID
    assert copy.deepcopy(INVALID) is INVALID
    assert copy.copy(INVALID) is INVALID
