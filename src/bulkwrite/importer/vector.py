"""Converting a whole column of cells at once, with polars.

The per-cell converters of ``convert.py`` are the reference. Here the common types (text,
email, integer, decimal, boolean, picklist, references) are converted by vectorised
expressions on cells that are printable ASCII, where those expressions provably agree with the
Python ones; every other cell, and every other type, goes through the reference converter.
Values come out ready for the store: ``str``, ``int`` or ``float`` (booleans as 0/1, dates and
datetimes as ISO-8601 text, multi-select lists as JSON arrays), ``null`` where the cell is empty
or invalid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import polars as pl

from bulkwrite.domain.modules import INTEGER_TYPES, NUMBER_TYPES, REFERENCE_TYPES, TEXT_TYPES
from bulkwrite.domain.modules import FieldType as T
from bulkwrite.importer.columns import Column
from bulkwrite.importer.convert import INT32_RANGE, INT64_RANGE, INVALID, LOOKUP_MAX_LENGTH

#: Cells made only of these characters take the vectorised path.
SAFE: Final = r"^[\x20-\x7e]*$"
#: Text cells take it unless they hold characters Python and polars disagree are whitespace
#: (length is counted in code points by both).
TEXT_SAFE: Final = r"^[^\x1c-\x1f]*$"
EMAIL: Final = r"^[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+$"
PLAIN_INT: Final = r"^[+-]?[0-9]+$"
PLAIN_NUMBER: Final = r"^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$"
BOOLEANS: Final = {"true": 1, "false": 0, "1": 1, "0": 0, "yes": 1, "no": 0}

_INTS = INTEGER_TYPES | {T.BOOLEAN}


@dataclass(frozen=True, slots=True)
class Converted:
    values: pl.Series  # store-ready values; null where empty or invalid
    empty: pl.Series  # bool: the cell is empty or blank
    invalid: pl.Series  # bool: the cell is not a valid value of the field


def dtype_of(kind: T) -> pl.DataType:
    if kind in _INTS:
        return pl.Int64()
    if kind in NUMBER_TYPES:
        return pl.Float64()
    return pl.String()


def store_value(value: object) -> object:
    """A reference converter's value as the store takes it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return value


def convert_column(cells: pl.Series, column: Column) -> Converted:
    """Convert one column of raw cells (a String series) for ``column``'s field."""
    vector = _vector_for(column)
    if vector is None:
        return _reference(cells, column, None)
    text = column.field.type in TEXT_TYPES and column.field.type is not T.EMAIL
    safe = cells.str.contains(TEXT_SAFE if text else SAFE)
    stripped = cells.str.strip_chars(None if text else " ")
    empty = stripped.str.len_bytes() == 0
    values, invalid = vector(cells, stripped, column)
    invalid = invalid.fill_null(True) & ~empty
    values = values.cast(dtype_of(column.field.type))
    nulls = pl.repeat(None, len(values), dtype=values.dtype, eager=True)
    converted = Converted(values.zip_with(~(invalid | empty), nulls), empty, invalid)
    if bool(safe.all()):
        return converted
    return _reference(cells, column, (converted, (~safe).arg_true().to_list()))


_Vector = Callable[[pl.Series, pl.Series, Column], tuple[pl.Series, pl.Series]]


def _vector_for(column: Column) -> _Vector | None:
    kind = column.field.type
    if column.pattern is not None and kind not in TEXT_TYPES:
        return None
    if kind in TEXT_TYPES:
        return _email if kind is T.EMAIL else _text
    if kind in INTEGER_TYPES:
        return _integer
    if kind in NUMBER_TYPES:
        return _number
    if kind is T.BOOLEAN:
        return _boolean
    if kind is T.PICKLIST and all(v.isascii() for v in column.field.picklist):
        return _picklist
    if kind in REFERENCE_TYPES:
        return _reference_key
    return None


def _text(cells: pl.Series, _s: pl.Series, column: Column) -> tuple[pl.Series, pl.Series]:
    limit = column.field.max_length
    if limit is None:
        return cells, pl.repeat(False, len(cells), eager=True)
    return cells, cells.str.len_chars() > limit


def _email(_c: pl.Series, stripped: pl.Series, column: Column) -> tuple[pl.Series, pl.Series]:
    limit = column.field.max_length or 255
    valid = stripped.str.contains(EMAIL) & (stripped.str.len_chars() <= limit)
    return stripped, ~valid


def _integer(_c: pl.Series, stripped: pl.Series, column: Column) -> tuple[pl.Series, pl.Series]:
    field = column.field
    low, high = INT32_RANGE if field.type is T.INTEGER else INT64_RANGE
    low = low if field.min_value is None else max(low, field.min_value)
    high = high if field.max_value is None else min(high, field.max_value)
    numbers = stripped.str.replace(r"^\+", "").cast(pl.Int64, strict=False)
    shaped = stripped.str.contains(PLAIN_INT)
    valid = shaped & numbers.is_not_null() & (numbers >= low) & (numbers <= high)
    return numbers, ~valid


def _number(_c: pl.Series, stripped: pl.Series, column: Column) -> tuple[pl.Series, pl.Series]:
    if column.field.type is T.PERCENT:
        stripped = stripped.str.strip_suffix("%").str.strip_chars(" ")
    numbers = stripped.str.replace(r"^\+", "").cast(pl.Float64, strict=False)
    valid = stripped.str.contains(PLAIN_NUMBER) & numbers.is_finite().fill_null(False)
    if column.field.positive:
        valid = valid & (numbers > 0).fill_null(False)
    return numbers, ~valid


def _boolean(_c: pl.Series, stripped: pl.Series, _col: Column) -> tuple[pl.Series, pl.Series]:
    values = stripped.str.to_lowercase().replace_strict(
        BOOLEANS, default=None, return_dtype=pl.Int64
    )
    return values, values.is_null()


def _picklist(cells: pl.Series, stripped: pl.Series, column: Column) -> tuple[pl.Series, pl.Series]:
    if not column.field.picklist:
        return cells, pl.repeat(False, len(cells), eager=True)
    canonical: dict[str, str] = {}
    for value in column.field.picklist:
        canonical.setdefault(value.strip().lower(), value)
    values = stripped.str.to_lowercase().replace_strict(
        canonical, default=None, return_dtype=pl.String
    )
    return values, values.is_null()


def _reference_key(_c: pl.Series, stripped: pl.Series, _col: Column) -> tuple[pl.Series, pl.Series]:
    return stripped, stripped.str.len_chars() > LOOKUP_MAX_LENGTH


def _reference(
    cells: pl.Series, column: Column, patch: tuple[Converted, list[int]] | None
) -> Converted:
    """The reference converter on every cell, or only on the listed rows of ``patch``."""
    texts = cells.to_list()
    if patch is None:
        rows: list[int] = list(range(len(texts)))
        values: list[object] = [None] * len(texts)
        empty, invalid = [False] * len(texts), [False] * len(texts)
    else:
        rows = patch[1]
        values, empty, invalid = (
            patch[0].values.to_list(),
            patch[0].empty.to_list(),
            patch[0].invalid.to_list(),
        )
    convert = column.convert
    for row in rows:
        text = texts[row]
        value: object = None
        blank = not text or text.isspace()
        bad = False
        if not blank:
            value = convert(text)
            bad = value is INVALID
            value = None if bad else store_value(value)
        values[row], empty[row], invalid[row] = value, blank, bad
    dtype = dtype_of(column.field.type)
    return Converted(
        pl.Series(values, dtype=dtype, strict=False),
        pl.Series(empty, dtype=pl.Boolean),
        pl.Series(invalid, dtype=pl.Boolean),
    )
