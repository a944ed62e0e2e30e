"""Reading a stored CSV: its dialect, its header, and its data rows in bounded chunks.

Lines are decoded by ``textlines`` rather than by ``io.TextIOWrapper`` so that
a bad byte is reported at its own row with its exact byte offset.
"""

from __future__ import annotations

import codecs
import csv
import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import polars as pl

from bulkwrite.errors import DataInvalid, FileFormatInvalid
from bulkwrite.files import fastcsv
from bulkwrite.files.dialect import DELIMITERS as DELIMITERS
from bulkwrite.files.dialect import pick_delimiter as pick_delimiter
from bulkwrite.files.encodings import text_encoding, with_bom
from bulkwrite.files.fastcsv import FIELD_LIMIT
from bulkwrite.files.textlines import LineTooLong, TextDecodeFailure, iter_line_blocks, iter_lines
from bulkwrite.importer.chunk import RawChunk

LINE_LIMIT = 2 * FIELD_LIMIT
# Rows per frame where the csv module reads for fastcsv.
SLOW_FRAME_ROWS = 8192
# How much of the file detect_dialect reads looking for the end of the header record.
HEADER_SCAN_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class CsvDialect:
    """How to read a CSV: a Python codec name and a one-character delimiter."""

    encoding: str
    delimiter: str


def normalise_encoding(name: str) -> str:
    """Python's name for a text encoding (``"UTF-8"`` → ``"utf-8"``); ``LookupError`` for a
    name that is not one of ``encodings.TEXT_ENCODINGS``."""
    return text_encoding(name)


def detect_dialect(path: Path, encoding: str | None, encoding_hint: str) -> CsvDialect:
    """The dialect of the CSV at ``path``.

    ``encoding`` is the job's ``character_encoding`` when given (``LookupError`` if unknown),
    else ``encoding_hint`` (from ``StoredUpload``) is used. A BOM matching the encoding switches
    to the BOM-aware codec, so it never leaks into the first header. The delimiter is the one of
    ``DELIMITERS`` found most often outside quotes in the header record (ties: the earlier one;
    none: a comma).
    """
    with path.open("rb") as raw:
        return dialect_of(raw, encoding or encoding_hint)


def dialect_of(raw: IO[bytes], encoding: str) -> CsvDialect:
    """``detect_dialect`` of the bytes of ``raw`` from its start, ``encoding`` named."""
    codec = with_bom(normalise_encoding(encoding), raw.read(4))
    raw.seek(0)
    return CsvDialect(codec, pick_delimiter(_header_text(raw, codec)))


def _header_text(raw: IO[bytes], codec: str) -> str:
    """The first non-blank record's text: lines joined until its quotes balance, or until
    they pass ``HEADER_SCAN_LIMIT``. Its lines are bounded as data lines are (``LINE_LIMIT``:
    ``DataInvalid`` beyond it)."""
    parts: list[str] = []
    size = quotes = 0
    try:
        for line in iter_lines(raw, codec, max_line=LINE_LIMIT, errors="replace"):
            if not parts and not line.strip():
                continue
            parts.append(line)
            size += len(line)
            quotes += line.count('"')
            if quotes % 2 == 0 or size > HEADER_SCAN_LIMIT:
                break
    except LineTooLong as exc:
        raise DataInvalid(f"The file cannot be read as CSV at the header row: {exc}.") from None
    return "".join(parts)


class CsvSource:
    """The rows of one CSV file, read once, in order; a context manager.

    ``header`` is read on open (``FileFormatInvalid`` if there is none; ``DataInvalid`` if it
    is not valid text). ``rows()`` then yields each data row as its raw cells, skipping blank
    lines, and raises ``DataInvalid`` at the first row that is not valid text or has a field
    over ``FIELD_LIMIT`` characters. Memory is bounded by the largest row, not the file.
    """

    def __init__(self, path: Path, dialect: CsvDialect, errors: str = "strict") -> None:
        """``errors="replace"`` reads undecodable bytes as U+FFFD instead of failing."""
        csv.field_size_limit(FIELD_LIMIT)
        self.dialect = dialect
        self._path, self._errors = path, errors
        self._rows_read = 0
        self._started = False
        self._raw = path.open("rb")
        self._blocks = iter_line_blocks(self._raw, dialect.encoding, LINE_LIMIT, errors)
        try:
            lines = itertools.chain.from_iterable(self._blocks)
            self._reader = csv.reader(lines, delimiter=dialect.delimiter, strict=False)
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    @property
    def rows_read(self) -> int:
        """How many data rows (skipped ones included) have been read so far."""
        return self._rows_read

    def rows(self, skip: int = 0) -> Iterator[list[str]]:
        """The data rows after the first ``skip`` ones; callable once per source."""
        self._begin("rows", skip)
        return self._iter_rows(skip)

    def chunks(self, size: int, skip: int = 0) -> Iterator[list[list[str]]]:
        """``rows(skip)`` in lists of ``size`` (the last one may be shorter); callable once
        per source, instead of ``rows``. A row that cannot be read ends the chunks with its
        error, after the whole chunks before it."""
        self._begin("chunks", skip, size)
        return self._iter_chunks(_fixed(size), skip)

    def raw_chunks(self, size: int | SizeAt, width: int, skip: int = 0) -> Iterator[RawChunk]:
        """``chunks(size, skip)`` as ``RawChunk``s of ``width`` columns. Well-formed UTF-8 is
        read by polars (``fastcsv``: the same rows, several times faster), the rest by the csv
        module; a row that cannot be read ends the chunks as in ``chunks``. ``size`` may be a
        ``SizeAt`` (``ramped``): each chunk's size then depends on the data row it starts at."""
        size_at = size if callable(size) else _fixed(size)
        self._begin("raw_chunks", skip, size_at(skip))
        start = self._native_start()
        if start is None:
            return (RawChunk.of_rows(rows, width) for rows in self._iter_chunks(size_at, skip))
        return self._native_chunks(start, size_at, width, skip)

    def _begin(self, method: str, skip: int, size: int = 1) -> None:
        """The checks of a reading method, which may be called once per source."""
        if size < 1:
            raise ValueError("size must be at least 1")
        if self._started:
            raise RuntimeError(f"CsvSource.{method}() can be called only once")
        if skip < 0:
            raise ValueError("skip must not be negative")
        self._started = True

    def close(self) -> None:
        self._blocks.close()
        self._raw.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _read_header(self) -> list[str]:
        try:
            for record in self._reader:
                if not _is_blank(record):
                    cells = [cell.strip() for cell in record]
                    cells[0] = cells[0].lstrip("\ufeff").strip()
                    return cells
        except (TextDecodeFailure, csv.Error, LineTooLong) as exc:
            raise self._bad_data(exc, "the header row") from exc
        raise FileFormatInvalid("The file has no header row.")

    def _iter_rows(self, skip: int) -> Iterator[list[str]]:
        try:
            for row in self._reader:
                if _is_blank(row):
                    continue
                self._rows_read += 1
                if self._rows_read > skip:
                    yield row
        except (TextDecodeFailure, csv.Error, LineTooLong) as exc:
            raise self._bad_data(exc, f"data row {self._rows_read + 1}") from exc

    def _iter_chunks(self, size_at: SizeAt, skip: int) -> Iterator[list[list[str]]]:
        """``_iter_rows`` gathered into lists in one loop (per-row calls and generator steps
        cost as much as the parsing itself)."""
        chunk: list[list[str]] = []
        append, read = chunk.append, self._rows_read
        size = size_at(skip)
        try:
            for row in self._reader:
                if not row or (not row[0].strip() and not "".join(row).strip()):
                    continue  # blank
                read += 1
                if read > skip:
                    append(row)
                    if len(chunk) == size:
                        self._rows_read = read
                        yield chunk
                        chunk = []
                        append = chunk.append
                        size = size_at(read)
        except (TextDecodeFailure, csv.Error, LineTooLong) as exc:
            self._rows_read = read
            raise self._bad_data(exc, f"data row {read + 1}") from exc
        self._rows_read = read
        if chunk:
            yield chunk

    def _native_start(self) -> int | None:
        """Where the data rows start, if polars may read them (else None)."""
        if self._errors != "strict":
            return None
        with self._path.open("rb") as raw:
            return native_start(raw, self.dialect)

    def _native_chunks(
        self, start: int, size_at: SizeAt, width: int, skip: int
    ) -> Iterator[RawChunk]:
        pending: list[pl.DataFrame] = []
        held, first, size = 0, skip, size_at(skip)
        with self._path.open("rb") as raw:
            delimiter, slow = self.dialect.delimiter, functools.partial(self._slow_frames, width)
            for frame in fastcsv.frames(raw, start, delimiter, width, slow):
                before, self._rows_read = self._rows_read, self._rows_read + frame.height
                if self._rows_read <= skip:
                    continue
                pending.append(frame.slice(max(0, skip - before)))
                held += pending[-1].height
                while held >= size:
                    whole = pl.concat(pending) if len(pending) > 1 else pending[0]
                    yield RawChunk.of_frame(whole.slice(0, size))
                    pending, held, first = [whole.slice(size)], held - size, first + size
                    size = size_at(first)
        if held:
            yield RawChunk.of_frame(pl.concat(pending))

    def _slow_frames(
        self, width: int, raw: IO[bytes], offset: int, read: int
    ) -> Iterator[pl.DataFrame]:
        """fastcsv's ``SlowReader``: the csv module's rows of ``raw``, as frames."""
        blocks = iter_line_blocks(raw, "utf-8", LINE_LIMIT, base=offset)
        lines = itertools.chain.from_iterable(blocks)
        rows: list[list[str]] = []
        try:
            for row in csv.reader(lines, delimiter=self.dialect.delimiter, strict=False):
                if not _is_blank(row):
                    read += 1
                    rows.append(row)
                    if len(rows) == SLOW_FRAME_ROWS:
                        yield RawChunk.of_rows(rows, width).frame()
                        rows = []
        except (TextDecodeFailure, csv.Error, LineTooLong) as exc:
            if rows:
                yield RawChunk.of_rows(rows, width).frame()
            raise self._bad_data(exc, f"data row {read + 1}") from exc
        finally:
            blocks.close()
        if rows:
            yield RawChunk.of_rows(rows, width).frame()

    def _bad_data(self, exc: Exception, where: str) -> DataInvalid:
        if isinstance(exc, TextDecodeFailure):
            return DataInvalid(
                f"The file is not valid {self.dialect.encoding} text "
                f"(byte offset {exc.offset}, {where})."
            )
        return DataInvalid(f"The file cannot be read as CSV at {where}: {exc}.")


#: The size of the chunk that starts at a data row (0: the first data row).
SizeAt = Callable[[int], int]
#: Chunks smaller than this are read at their size from the first row on (``ramped``).
RAMP_MIN = 8000


def ramped(size: int) -> SizeAt:
    """Chunk sizes that start small, so that a job's first write begins after a few converted
    rows, not a whole chunk of them: within the first ``size`` rows, chunks of ``size`` / 8,
    ``size`` / 4 and the rest; then ``size``. A chunk's size depends only on the row it starts
    at, so a run resumed at a chunk's end reads the chunks the first run would have, and every
    multiple of ``size`` ends a chunk as it does without the ramp. Below ``RAMP_MIN`` a chunk
    converts fast enough that it is not worth the extra chunks."""
    if size < RAMP_MIN:
        return _fixed(size)
    ends = (size // 8, size // 8 + size // 4, size)

    def size_at(row: int) -> int:
        return next((end - row for end in ends if row < end), size)

    return size_at


def _fixed(size: int) -> SizeAt:
    def size_at(_row: int) -> int:
        return size

    return size_at


def native_start(raw: IO[bytes], dialect: CsvDialect) -> int | None:
    """The offset of the first data row in ``raw`` if its bytes may be read natively
    (``fastcsv``, ``fastcount``): a UTF-8 dialect and a regular header record; else None."""
    if dialect.encoding not in fastcsv.NATIVE_CODECS:
        return None
    raw.seek(0)
    bom = codecs.BOM_UTF8 if raw.read(3) == codecs.BOM_UTF8 else b""
    start = len(bom) if dialect.encoding == "utf-8-sig" else 0
    return fastcsv.header_end(raw, start, dialect.delimiter, HEADER_SCAN_LIMIT)


def _is_blank(row: list[str]) -> bool:
    """No cells, or only empty/whitespace ones (checked cheaply for the common case)."""
    if not row:
        return True
    if row[0].strip():
        return False
    return not "".join(row).strip()
