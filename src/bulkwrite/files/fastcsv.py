"""Reading well-formed UTF-8 CSV with polars' native reader, block by block.

The ``csv`` module (``csvsource``) is the reference reader: it takes any input the way Zoho's
importer would, but it costs as much as all the rest of a job's conversion. A block of the file
is handed to polars only where the two provably read the same rows:

- the bytes are records of RFC 4180 — a field is either free of quotes, CR and LF, or quoted with
  its quotes doubled; a record ends with LF or CRLF. ``records`` checks this and, by the same
  match, finds where the block's last whole record ends, so blocks always end between records;
- they are valid UTF-8 (polars refuses a block that is not) and hold no NUL;
- no row has more fields than the header (polars refuses those too);
- no field is longer than the csv module's limit.

Any block that is not so is read by the csv module instead, with the same row numbers and byte
offsets in its errors; from a record the pattern cannot match (a stray quote, a lone CR) the csv
module reads the rest of the file. Rows come out as frames of ``c0``… String columns (empty cells
as ``""``) and an ``x`` column: the row has non-empty cells beyond the header's width.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterator
from typing import IO, Final

import polars as pl

from bulkwrite.files.dialect import FIELD_LIMIT as FIELD_LIMIT

#: Bytes read at a time; a block ends at its last whole record. The first block is at most
#: ``FIRST_BLOCK``, so a job's first (ramped) chunk is read without a whole block's parse.
BLOCK_SIZE: Final = 4 * 1024 * 1024
FIRST_BLOCK: Final = 256 * 1024
#: A record still unfinished after this many bytes is left to the csv module.
TAIL_LIMIT: Final = 64 * 1024 * 1024
#: Python's whitespace: Rust's (polars ``\s``) and the four separators \x1c-\x1f.
BLANK: Final = r"^[\s\x1c-\x1f]*$"
#: Codecs whose bytes polars reads as they are.
NATIVE_CODECS: Final = frozenset({"utf-8", "utf-8-sig"})

#: Reads the rows of a byte range with the csv module: (stream, its first byte's offset in the
#: file, rows read before it) → frames, then the error that stopped it, if any.
SlowReader = Callable[[IO[bytes], int, int], Iterator[pl.DataFrame]]


@functools.cache
def patterns(delimiter: str) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """(whole records, one record, an unfinished record reaching the end of the data)."""
    d = re.escape(delimiter.encode())
    field = rb'(?:"(?:[^"]++|"")*+"|[^"' + d + rb"\r\n]*+)"
    record = field + rb"(?:" + d + field + rb")*+(?:\r\n|\n)"
    last = rb'(?:"(?:[^"]++|"")*+"?|[^"' + d + rb"\r\n]*+)"
    unfinished = rb"(?:" + field + d + rb")*+" + last + rb"\r?"
    return re.compile(rb"(?:" + record + rb")*+"), re.compile(record), re.compile(unfinished)


def header_end(raw: IO[bytes], start: int, delimiter: str, limit: int) -> int | None:
    """The offset just past the header (the first record with a non-blank cell), reading from
    ``start``; None when a record up to it is not regular, or not within ``limit`` bytes."""
    raw.seek(start)
    head = raw.read(limit)
    one = patterns(delimiter)[1]
    position = 0
    while (match := one.match(head, position)) is not None:
        try:
            text = head[position : match.end()].decode("utf-8")
        except UnicodeDecodeError:
            return None
        row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        if any(cell.strip() for cell in row):
            return start + match.end()
        position = match.end()
    return None


def frames(
    raw: IO[bytes], start: int, delimiter: str, width: int, slow: SlowReader
) -> Iterator[pl.DataFrame]:
    """The rows from ``start`` (a record's first byte) to the end of ``raw``, blank ones
    left out, as frames; what polars may not read goes to ``slow``."""
    records, _, unfinished = patterns(delimiter)
    tail, offset, rows = b"", start, 0
    raw.seek(start)
    size = min(FIRST_BLOCK, BLOCK_SIZE)
    while True:
        block = raw.read(size)
        size = BLOCK_SIZE
        data = tail + block if tail else block
        if not block and data and not data.endswith(b"\n"):
            data += b"\n"  # the last record may lack its end: the csv module reads it the same
        match = None if b"\x00" in data else records.match(data)
        end = match.end() if match else 0
        if end:
            frame = _native(data[:end], delimiter, width)
            parts = [frame] if frame is not None else slow(io.BytesIO(data[:end]), offset, rows)
            for part in parts:
                rows += part.height
                yield part
            offset += end
        tail = data[end:]
        if not tail and not block:
            return
        if tail and (not block or _irregular(tail, unfinished)):
            raw.seek(offset)  # the csv module reads the rest of the file
            yield from slow(raw, offset, rows)
            return


def _irregular(tail: bytes, unfinished: re.Pattern[bytes]) -> bool:
    """Whether the bytes after the last whole record are not the start of a regular one."""
    return len(tail) > TAIL_LIMIT or b"\x00" in tail or unfinished.fullmatch(tail) is None


def _native(data: bytes, delimiter: str, width: int) -> pl.DataFrame | None:
    """The rows of ``data`` read by polars; None where it must not be (see the module's doc)."""
    names = [f"c{i}" for i in range(width)]
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            schema=dict.fromkeys(names, pl.String),
            missing_columns="insert",
            raise_if_empty=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError):
        return None  # a row with more fields than the header, or bytes that are not UTF-8
    frame = frame.with_columns(pl.all().fill_null(""))
    if len(data) > FIELD_LIMIT and _longest(frame) > FIELD_LIMIT:
        return None
    # Every cell blank is the row's cells joined blank: one match a row, not one a cell.
    blank = pl.concat_str(pl.all()).str.contains(BLANK)
    return frame.filter(~blank).with_columns(x=pl.lit(False))


def _longest(frame: pl.DataFrame) -> int:
    lengths = frame.select(pl.all().str.len_chars().max()).row(0)
    return max((n or 0 for n in lengths), default=0)
