"""Date and datetime columns converted at column speed, with polars.

The reference is ``DatePattern.parse`` (``dates.py``) followed by the ISO-8601 fallback, as the
cell converters of ``convert.py`` chain them. This module runs *the same regexes* (the pattern's
``vector_regex`` is built from the same tokens, only literals are escaped the Rust way) through
polars' ``extract_groups`` and then does the same integer arithmetic on the groups (two-digit
years, month names, AM/PM, offsets, days in the month) as vector expressions; no chrono format
is involved, so no leniency of chrono's (``%m`` taking ``1``, ``%Y`` taking five digits…) can
leak in. It only ever sees printable-ASCII cells (``vector.py`` sends any other cell to the
reference converter), where Python's ``str.strip`` and ``re.ASCII | re.IGNORECASE`` and the Rust
crate's ``(?i)`` agree. Values come out as the store takes them: ``date.isoformat()`` and
aware ``datetime.isoformat()`` text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from bulkwrite.domain.modules import FieldType
from bulkwrite.importer.dates import (
    _MONTH_BY_NAME,
    ISO_DATE_RE,
    ISO_DATETIME_RE,
    DatePattern,
    compile_date_pattern,
)
from bulkwrite.importer.formats import DEFAULT_DATE_PATTERN, DEFAULT_DATETIME_PATTERN

_Vector = Callable[[pl.Series, pl.Series, FieldType], tuple[pl.Series, pl.Series]]


@dataclass(frozen=True, slots=True)
class _Where:
    """Group indexes (0-based, ``-1`` when absent) of one regex, as ``dates._Layout``."""

    year: int
    month: int
    day: int
    hour: int = -1
    minute: int = -1
    second: int = -1
    milli: int = -1  # SSS: milliseconds
    fraction: int = -1  # ISO: 1-9 fraction digits, cut to microseconds
    ampm: int = -1
    offset: int = -1
    two_digit_year: bool = False
    month_named: bool = False


_ISO_DATE = _Where(0, 1, 2)
_ISO_DATETIME = _Where(0, 1, 2, hour=3, minute=4, second=5, fraction=6, offset=7)


def _where(pattern: DatePattern) -> _Where:
    at = pattern.layout
    return _Where(
        at.year, at.month, at.day, hour=at.hour, minute=at.minute, second=at.second,
        milli=at.milli, ampm=at.ampm, offset=at.offset, two_digit_year=at.two_digit_year,
        month_named=at.month_named,
    )  # fmt: skip


def _group(index: int) -> pl.Expr:
    return pl.col(str(index + 1))


def _number(index: int) -> pl.Expr:
    """The group as an integer; 0 when the regex lacks it or it did not take part."""
    if index < 0:
        return pl.lit(0, dtype=pl.Int64)
    return _group(index).cast(pl.Int64).fill_null(0)


def _date_exprs(where: _Where) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """Year, month, day and whether they make a calendar date."""
    year = _number(where.year)
    if where.two_digit_year:
        year = year + pl.when(year < 70).then(2000).otherwise(1900)
    if where.month_named:
        month = (
            _group(where.month)
            .str.to_lowercase()
            .replace_strict(_MONTH_BY_NAME, default=0, return_dtype=pl.Int64)
        )
    else:
        month = _number(where.month)
    day = _number(where.day)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    last = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
    return year, month, day, ok


def _clock_exprs(where: _Where) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """Hour, minute, second, microsecond and whether they are in range (as ``dates._clock``)."""
    hour = _number(where.hour)
    ok = pl.lit(True)
    if where.ampm >= 0:
        ok = hour <= 12
        pm = _group(where.ampm).str.slice(0, 1).str.to_lowercase() == "p"
        hour = hour % 12 + pl.when(pm).then(12).otherwise(0)
    minute, second = _number(where.minute), _number(where.second)
    if where.milli >= 0:
        micro = _number(where.milli) * 1000
    elif where.fraction >= 0:
        digits = _group(where.fraction).str.slice(0, 6).str.pad_end(6, "0")
        micro = digits.cast(pl.Int64).fill_null(0)
    else:
        micro = pl.lit(0, dtype=pl.Int64)
    ok = ok & (hour <= 23) & (minute <= 59) & (second <= 59)
    return hour, minute, second, micro, ok


def _offset_exprs(where: _Where) -> tuple[pl.Expr, pl.Expr]:
    """The offset in minutes east of UTC (0 when none is written) and whether it is in range."""
    if where.offset < 0:
        return pl.lit(0, dtype=pl.Int64), pl.lit(True)
    text = _group(where.offset)
    digits = text.str.slice(1).str.replace_all(":", "", literal=True)
    hours = digits.str.slice(0, 2).cast(pl.Int64, strict=False).fill_null(0)
    minutes = digits.str.slice(2).cast(pl.Int64, strict=False).fill_null(0)
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1)
    utc = text.is_null() | (text.str.to_lowercase() == "z")
    offset = pl.when(utc).then(0).otherwise(sign * (hours * 60 + minutes))
    return offset, utc | ((hours <= 23) & (minutes <= 59))


def _pad(value: pl.Expr, width: int) -> pl.Expr:
    return value.cast(pl.String).str.zfill(width)


def _render(kind: FieldType, parts: dict[str, pl.Expr]) -> pl.Expr:
    """``date.isoformat()``, or an aware ``datetime.isoformat()``, of the parts."""
    day = [_pad(parts["year"], 4), pl.lit("-"), _pad(parts["month"], 2), pl.lit("-")]
    day.append(_pad(parts["day"], 2))
    if kind is FieldType.DATE:
        return pl.concat_str(day)
    micro = parts["micro"]
    fraction = pl.when(micro != 0).then(pl.lit(".") + _pad(micro, 6)).otherwise(pl.lit(""))
    offset = parts["offset"]
    east = offset.abs()
    zone = pl.when(offset < 0).then(pl.lit("-")).otherwise(pl.lit("+"))
    clock = [_pad(parts["hour"], 2), pl.lit(":"), _pad(parts["minute"], 2), pl.lit(":")]
    clock += [_pad(parts["second"], 2), fraction, zone, _pad(east // 60, 2), pl.lit(":")]
    return pl.concat_str([*day, pl.lit("T"), *clock, _pad(east % 60, 2)])


def _parse(stripped: pl.Series, regex: str, where: _Where, kind: FieldType) -> pl.DataFrame:
    """Columns ``value`` (store text, null when not valid) and ``ok`` for each cell."""
    groups = stripped.str.extract_groups(regex).struct.unnest()
    year, month, day, date_ok = _date_exprs(where)
    hour, minute, second, micro, clock_ok = _clock_exprs(where)
    offset, offset_ok = _offset_exprs(where)
    parts = dict(year=year, month=month, day=day, hour=hour, minute=minute, second=second)
    parts |= dict(micro=micro, offset=offset)
    ok = (_group(where.year).is_not_null() & date_ok & clock_ok & offset_ok).fill_null(False)
    value = pl.when(ok).then(_render(kind, parts))
    return groups.select(value.alias("value"), ok.alias("ok"))


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> DatePattern:
    return compile_date_pattern(pattern)


def date_vector(kind: FieldType, pattern: str | None) -> _Vector | None:
    """The column converter of a date or datetime field read with ``pattern`` (the default
    pattern when ``None``), or ``None`` when the pattern has to be read cell by cell."""
    default = DEFAULT_DATE_PATTERN if kind is FieldType.DATE else DEFAULT_DATETIME_PATTERN
    compiled = _compiled(default if pattern is None else pattern)
    regex = compiled.vector_regex
    if regex is None:
        return None
    where = _where(compiled)
    iso_regex = ISO_DATE_RE if kind is FieldType.DATE else ISO_DATETIME_RE
    iso = _ISO_DATE if kind is FieldType.DATE else _ISO_DATETIME
    iso_regex = f"(?i)^(?:{iso_regex})$"

    def vector(_c: pl.Series, stripped: pl.Series, field: FieldType) -> tuple[pl.Series, pl.Series]:
        first = _parse(stripped, regex, where, field)
        values, ok = first["value"], first["ok"]
        if bool(ok.all()):
            return values, ~ok
        second = _parse(stripped, iso_regex, iso, field)
        values = values.zip_with(ok, second["value"])
        return values, ~(ok | second["ok"])

    return vector
