"""Polars frames of record values as one COPY payload (text format), rendered outside the GIL.

A frame holds values as services keep them (``importer.vector``: Int64, Float64 and String
columns; booleans as 0/1, dates, datetimes and multi-select lists as text). Each column whose
polars type the column's kind takes as text unchanged is written by polars' CSV writer in COPY's
text format: tab-separated, never quoted, nulls as ``\\N``, and in strings each backslash, tab,
line feed and carriage return escaped (so an empty string is not NULL, and ``\\.`` is never an
end marker); floats in their shortest round-trip form, booleans as ``true``/``false``. (The
server reads the text format ~8 % faster than CSV.) The offset of each datetime is computed
once per distinct value. Any other pairing of type and kind makes ``copy_payload`` answer None,
and the caller takes the row-by-row path.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import polars as pl

from bulkwrite.store.postgres.pg_catalog import Column
from bulkwrite.store.postgres.pg_values import Kind, offset_of

#: COPY options matching the payload ``copy_payload`` renders (the default: text format).
COPY_OPTIONS = ""
#: What COPY's text format escapes in a value, in the order it must be done.
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
#: Rows rendered and sent at a time.
SLICE = 4096

_INT, _FLOAT, _TEXT, _BOOL, _NULL = pl.Int64(), pl.Float64(), pl.String(), pl.Boolean(), pl.Null()

#: The polars types written as they are for each kind (Null: a column of nulls only).
_AS_IS: dict[Kind, tuple[pl.DataType, ...]] = {
    Kind.TEXT: (_TEXT, _INT, _NULL),
    Kind.BIGINT: (_INT, _NULL),
    Kind.DOUBLE: (_FLOAT, _INT, _NULL),
    Kind.BOOLEAN: (_BOOL, _NULL),
    Kind.DATE: (_TEXT, _NULL),
    Kind.TIMESTAMPTZ: (_TEXT, _NULL),
    Kind.JSONB: (_TEXT, _NULL),
}


def copy_payload(frame: pl.DataFrame, cols: list[Column]) -> Iterator[bytes] | None:
    """The frame (columns in ``cols`` order) as CSV for ``COPY … (FORMAT csv)`` of ``cols``
    followed by the offset column of each datetime (as ``copying.copy_columns`` lists them), in
    pieces of ``SLICE`` rows: the server stores one while the next is rendered. None when a
    column's type is not one its kind takes as text."""
    values: list[pl.Series] = []
    offsets: list[pl.Series] = []
    for series, col in zip(frame.get_columns(), cols, strict=True):
        if col.kind is Kind.BOOLEAN and series.dtype == _INT:
            series = series != 0  # as bool(value) did
        if series.dtype not in _AS_IS[col.kind]:
            return None
        if series.dtype == _TEXT:
            series = _escaped(series)
        values.append(series.alias(f"c{len(values)}"))
        if col.kind is Kind.TIMESTAMPTZ:
            offsets.append(_offsets(series).alias(f"o{len(offsets)}"))
    return _rendered(pl.DataFrame([*values, *offsets]))


def _escaped(texts: pl.Series) -> pl.Series:
    """Strings as COPY's text format wants them."""
    for plain, escaped in _ESCAPES:
        texts = texts.str.replace_all(plain, escaped, literal=True)
    return texts


def _rendered(payload: pl.DataFrame) -> Iterator[bytes]:
    for start in range(0, payload.height, SLICE):
        out = io.BytesIO()
        payload.slice(start, SLICE).write_csv(
            out, include_header=False, separator="\t", quote_style="never", null_value="\\N"
        )
        yield out.getvalue()


def _offsets(stamps: pl.Series) -> pl.Series:
    """Each datetime's UTC offset in seconds (null when naive or empty), once per value."""
    if stamps.dtype == _NULL:
        return pl.repeat(None, len(stamps), dtype=pl.Int64, eager=True)
    distinct = stamps.drop_nulls().unique()
    found = [offset_of(value) for value in distinct.to_list()]
    return stamps.replace_strict(distinct, pl.Series(found, dtype=pl.Int64), default=None)
