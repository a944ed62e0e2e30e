"""Cell converters: one is made per mapped column when a job is created, then it reads every
non-empty cell of that column (millions of them), so each is a closure over precompiled state.

A converter returns the storage value, or ``INVALID`` when the cell is not a valid value for
the field. Storage values: ``str`` (text types, email, picklist, lookups), ``int`` (integer,
bigint), ``float`` (decimal, currency, double, percent), ``bool``, ``datetime.date`` (date),
an aware ``datetime.datetime`` (datetime; the offset as written, UTC when none) and
``tuple[str, ...]`` (multiselectpicklist).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Final

from bulkwrite.domain.modules import Field, FieldType
from bulkwrite.errors import FormatInvalid
from bulkwrite.importer.formats import (
    DEFAULT_DATE_PATTERN,
    DEFAULT_DATETIME_PATTERN,
    compile_date_pattern,
    compile_number_pattern,
    parse_iso_date,
    parse_iso_datetime,
    parse_plain_int,
    parse_plain_number,
)


class _Invalid:
    """The type of ``INVALID``; pickles and copies as the same singleton."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "INVALID"

    def __reduce__(self) -> str:
        return "INVALID"


INVALID: Final = _Invalid()

Converter = Callable[[str], object]

INT32_RANGE: Final = (-(2**31), 2**31 - 1)
INT64_RANGE: Final = (-(2**63), 2**63 - 1)
LOOKUP_MAX_LENGTH: Final = 255

_EMAIL = re.compile(r"[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+").fullmatch
_BOOLEANS: Final = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _text(field: Field, _pattern: str | None) -> Converter:
    limit = field.max_length
    if limit is None:
        return str
    return lambda cell: cell if len(cell) <= limit else INVALID


def _email(field: Field, _pattern: str | None) -> Converter:
    limit = field.max_length or 255

    def convert(cell: str) -> object:
        cell = cell.strip()
        return cell if len(cell) <= limit and _EMAIL(cell) else INVALID

    return convert


def _integer(field: Field, pattern: str | None) -> Converter:
    low, high = INT32_RANGE if field.type is FieldType.INTEGER else INT64_RANGE
    if field.min_value is not None:
        low = max(low, field.min_value)
    if field.max_value is not None:
        high = min(high, field.max_value)
    parse = compile_number_pattern(pattern).parse if pattern is not None else parse_plain_int

    def convert(cell: str) -> object:
        value = parse(cell)
        return value if type(value) is int and low <= value <= high else INVALID

    return convert


def _number(field: Field, pattern: str | None) -> Converter:
    parse = compile_number_pattern(pattern).parse if pattern is not None else parse_plain_number
    percent = field.type is FieldType.PERCENT
    isfinite = math.isfinite
    positive = field.positive

    def convert(cell: str) -> object:
        if percent:
            cell = cell.strip()
            if cell.endswith("%"):
                cell = cell[:-1]
        value = parse(cell)
        if value is None:
            return INVALID
        value = float(value)
        return value if isfinite(value) and (value > 0 or not positive) else INVALID

    return convert


def _boolean(_field: Field, _pattern: str | None) -> Converter:
    get = _BOOLEANS.get
    return lambda cell: get(cell.strip().lower(), INVALID)


def _date(_field: Field, pattern: str | None) -> Converter:
    parse = compile_date_pattern(DEFAULT_DATE_PATTERN if pattern is None else pattern).parse

    def convert(cell: str) -> object:
        value = parse(cell) or parse_iso_date(cell)
        if value is None:
            return INVALID
        return value.date() if isinstance(value, datetime) else value

    return convert


def _datetime(_field: Field, pattern: str | None) -> Converter:
    parse = compile_date_pattern(DEFAULT_DATETIME_PATTERN if pattern is None else pattern).parse

    def convert(cell: str) -> object:
        value: date | None = parse(cell) or parse_iso_datetime(cell)
        if value is None:
            return INVALID
        if isinstance(value, datetime):
            return value
        return datetime(value.year, value.month, value.day, tzinfo=UTC)

    return convert


def _canonical(field: Field) -> dict[str, str]:
    """Allowed values by their case-folded, stripped spelling; the first spelling wins."""
    canonical: dict[str, str] = {}
    for value in field.picklist:
        canonical.setdefault(value.strip().casefold(), value)
    return canonical


def _picklist(field: Field, _pattern: str | None) -> Converter:
    if not field.picklist:
        return str
    get = _canonical(field).get
    return lambda cell: get(cell.strip().casefold(), INVALID)


def _multiselect(field: Field, _pattern: str | None) -> Converter:
    canonical = _canonical(field) if field.picklist else None

    def convert(cell: str) -> object:
        chosen: dict[str, None] = {}
        for part in cell.split(";"):
            part = part.strip()
            if not part:
                continue
            if canonical is not None:
                found = canonical.get(part.casefold())
                if found is None:
                    return INVALID
                part = found
            chosen[part] = None
        return tuple(chosen) if chosen else INVALID

    return convert


def _reference(_field: Field, _pattern: str | None) -> Converter:
    def convert(cell: str) -> object:
        cell = cell.strip()
        return cell if len(cell) <= LOOKUP_MAX_LENGTH else INVALID

    return convert


def _no_cells(field: Field, pattern: str | None) -> Converter:
    """A field whose values are rows of a child module: no cell of the parent's CSV is one."""
    return lambda text: INVALID


_BUILDERS: Final[dict[FieldType, Callable[[Field, str | None], Converter]]] = {
    FieldType.TEXT: _text,
    FieldType.TEXTAREA: _text,
    FieldType.PHONE: _text,
    FieldType.WEBSITE: _text,
    FieldType.EMAIL: _email,
    FieldType.INTEGER: _integer,
    FieldType.BIGINT: _integer,
    FieldType.DECIMAL: _number,
    FieldType.CURRENCY: _number,
    FieldType.DOUBLE: _number,
    FieldType.PERCENT: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.PICKLIST: _picklist,
    FieldType.MULTISELECT: _multiselect,
    FieldType.LOOKUP: _reference,
    FieldType.OWNERLOOKUP: _reference,
    FieldType.USERLOOKUP: _reference,
    FieldType.SUBFORM: _no_cells,
    FieldType.MULTISELECTLOOKUP: _no_cells,
    FieldType.MULTIUSERLOOKUP: _no_cells,
}


#: The field types a mapping's ``format`` applies to (a date or a number pattern).
FORMATTED_TYPES: Final = frozenset(
    {
        FieldType.DATE,
        FieldType.DATETIME,
        FieldType.INTEGER,
        FieldType.BIGINT,
        FieldType.DECIMAL,
        FieldType.CURRENCY,
        FieldType.DOUBLE,
        FieldType.PERCENT,
    }
)


def make_converter(field: Field, pattern: str | None = None) -> Converter:
    """The converter for ``field``'s cells. ``pattern`` (a mapping's ``format``) is a date
    pattern for date/datetime fields and a number pattern for numeric ones; a bad one, or one
    on a field of another type (it would be ignored), raises ``FormatInvalid`` naming it. Call
    the converter on non-empty cells only; it returns the storage value or ``INVALID``."""
    if pattern is not None and field.type not in FORMATTED_TYPES:
        raise FormatInvalid(
            f"A format applies to date, datetime and number fields; "
            f"{field.api_name} is a {field.type.value} field."
        )
    return _BUILDERS[field.type](field, pattern)
