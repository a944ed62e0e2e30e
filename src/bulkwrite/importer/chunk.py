"""A chunk of raw CSV rows converted column by column: values, masks and row errors.

Pure: no files, database or clock. Row problems are boolean columns, one per (code, column).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from bulkwrite.domain.outcome import RowCode
from bulkwrite.importer.plan import MappingPlan
from bulkwrite.importer.vector import convert_column, dtype_of, store_value

ErrorKey = tuple[RowCode, str]


@dataclass
class PreparedChunk:
    """Every mapped field of a chunk's rows as store-ready columns."""

    size: int
    echo: list[pl.Series]  # raw cells of the columns echoed in the result file
    values: dict[str, pl.Series] = field(default_factory=dict)  # null: empty (clears)
    present: dict[str, pl.Series] = field(default_factory=dict)  # False: left alone
    errors: dict[ErrorKey, pl.Series] = field(default_factory=dict)
    key: pl.Series | None = None  # the find_by value; null when empty or invalid

    def flag(self, code: RowCode, column: str, mask: pl.Series) -> None:
        """Add ``code`` for ``column`` on the rows where ``mask`` is true."""
        mask = mask.fill_null(False)
        if not bool(mask.any()):
            return
        known = self.errors.get((code, column))
        self.errors[(code, column)] = mask if known is None else known | mask

    def ok(self) -> pl.Series:
        """Rows with no problem so far."""
        bad = pl.repeat(False, self.size, eager=True)
        for mask in self.errors.values():
            bad = bad | mask
        return ~bad


@dataclass
class RawChunk:
    """A chunk's cells as text columns, each ``width`` long (short rows padded with "");
    ``extra`` marks rows with non-empty cells beyond the header's width."""

    columns: list[pl.Series]
    extra: pl.Series

    @property
    def size(self) -> int:
        return len(self.extra)

    @classmethod
    def of_rows(cls, rows: list[list[str]], width: int) -> RawChunk:
        padded = [r if len(r) == width else _fit(r, width) for r in rows]
        columns = _columns(padded, width)
        extra = pl.Series(
            "x",
            [len(r) > width and any(c.strip() for c in r[width:]) for r in rows],
            dtype=pl.Boolean,
        )
        return cls(columns, extra)

    @classmethod
    def of_frame(cls, frame: pl.DataFrame) -> RawChunk:
        """The chunk of a frame of ``c0``… String columns and a Boolean ``x`` (``frame()``)."""
        return cls([frame[name] for name in frame.columns if name != "x"], frame["x"])

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame([*self.columns, self.extra.alias("x")])


def prepare_chunk(
    rows: list[list[str]] | RawChunk, plan: MappingPlan, ignore_empty: bool
) -> PreparedChunk:
    """Convert every mapped column of ``rows``; a row's problems are flagged, never raised."""
    width = plan.width
    raw = rows if isinstance(rows, RawChunk) else RawChunk.of_rows(rows, width)
    size = raw.size
    blank = pl.repeat("", size, dtype=pl.String, eager=True)
    chunk = PreparedChunk(size, [raw.columns[i] for i in plan.echo])
    chunk.flag(RowCode.CANNOT_PROCESS, f"column {width + 1}", raw.extra)
    for column in plan.columns:
        cells = raw.columns[column.index] if column.index is not None else blank
        converted = convert_column(cells, column)
        name = column.field.api_name
        chunk.flag(RowCode.INVALID_DATA, column.label, converted.invalid)
        values, empty = converted.values, converted.empty
        if column.default is not None:
            default = pl.Series([store_value(column.default)], dtype=dtype_of(column.field.type))
            values = values.zip_with(~empty, default.new_from_index(0, size))
            empty = pl.repeat(False, size, eager=True)
        if column is plan.key:
            chunk.key = values
        if name == "id":
            continue
        chunk.values[name] = values
        chunk.present[name] = ~converted.invalid & ~(empty & ignore_empty)
    return chunk


def _columns(rows: list[list[str]], width: int, step: int = 2048) -> list[pl.Series]:
    """Rows turned into String columns ``c0``, ``c1``… a slice at a time: building a series
    from Python strings holds the GIL, so each hold is one slice, not the whole chunk."""
    parts: list[list[pl.Series]] = [[] for _ in range(width)]
    for offset in range(0, len(rows), step):
        block = zip(*rows[offset : offset + step], strict=True)
        for i, (column, cells) in enumerate(zip(parts, block, strict=True)):
            column.append(pl.Series(f"c{i}", cells, dtype=pl.String))
    if not rows:
        return [pl.Series(f"c{i}", [], dtype=pl.String) for i in range(width)]
    return [pl.concat(column, rechunk=True) for column in parts]


def _fit(row: list[str], width: int) -> list[str]:
    return row[:width] if len(row) > width else row + [""] * (width - len(row))
