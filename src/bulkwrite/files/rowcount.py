"""Counting a CSV's data rows as a job's reader reads them (``CsvSource``: blank rows left out,
a quoted newline inside its row), so the count kept at upload is the count a job ends with:
``fastcount`` where it can, the reader itself where it cannot."""

from __future__ import annotations

import codecs
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bulkwrite.domain.identity import RowCount
from bulkwrite.errors import BulkWriteError
from bulkwrite.files.csvsource import (
    HEADER_SCAN_LIMIT,
    CsvDialect,
    CsvSource,
    detect_dialect,
    dialect_of,
    native_start,
)
from bulkwrite.files.fastcount import RecordCounter, count_records

log = logging.getLogger(__name__)

#: Bytes of an upload held before its dialect is taken from them (as ``detect_dialect`` reads
#: at most about this much of a file for its header record).
STREAM_HEAD: Final = HEADER_SCAN_LIMIT
#: Rows per chunk while counting (the reader's fast path reads whole frames anyway).
_COUNT_CHUNK = 65536


def count_data_rows(path: Path, dialect: CsvDialect) -> int:
    """The data rows of the CSV at ``path``, its header not counted; raises as the reader
    does on a file it cannot read. Well-formed UTF-8 is counted from the positions of its
    quotes and line ends (``fastcount``), the rest by reading it."""
    with path.open("rb") as raw:
        start = native_start(raw, dialect)
        counted = None if start is None else count_records(raw, start, dialect.delimiter)
    if counted is not None:
        return counted
    with CsvSource(path, dialect) as source:
        width = max(1, len(source.header))
        return sum(chunk.size for chunk in source.raw_chunks(_COUNT_CHUNK, width))


def count_upload(
    path: Path, encoding_hint: str, streamed: StreamedCount | None = None
) -> RowCount | None:
    """The data rows of an uploaded CSV, read in the dialect a job detects for it when its
    request names no encoding; None if it cannot be read as CSV (a job over it fails with
    the reader's own error). ``streamed``: the rows ``UploadRows`` counted as the file's bytes
    arrived, taken if they were counted in that dialect."""
    try:
        dialect = detect_dialect(path, None, encoding_hint)
        if streamed is not None and streamed.dialect == dialect:
            rows = streamed.rows
        else:
            rows = count_data_rows(path, dialect)
        return RowCount(rows, dialect.encoding, dialect.delimiter)
    except (BulkWriteError, OSError, UnicodeError, ValueError, LookupError):
        return None
    except Exception:  # any other reader failure: the upload stands, a job counts at start
        log.warning("the rows of %s could not be counted", path.name, exc_info=True)
        return None


@dataclass(frozen=True)
class StreamedCount:
    """The data rows of an upload, counted as its bytes arrived, in the dialect assumed."""

    dialect: CsvDialect
    rows: int


class UploadRows:
    """Fed an upload's bytes as they arrive, counts its data rows as ``count_data_rows`` would
    if the upload is a well-formed UTF-8 CSV (``fastcount``): its dialect is taken from the
    first ``STREAM_HEAD`` bytes as ``detect_dialect`` takes it, with UTF-8 assumed, and the
    header is the first of its records that is not blank. ``finish`` gives None where the
    bytes are not so (a zip, another encoding, an irregular record): the file is then counted
    once stored. ``count_upload`` takes the count only if the stored file's dialect is the one
    assumed."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._counter: RecordCounter | None = None
        self._dialect: CsvDialect | None = None
        self._failed = False

    def feed(self, block: bytes) -> None:
        if self._failed:
            return
        if self._counter is None:
            self._head += block
            if len(self._head) >= STREAM_HEAD:
                self._begin()
            return
        self._counter.feed(block)
        self._failed = self._counter.rows is None

    def finish(self) -> StreamedCount | None:
        """The count, once every byte has been fed."""
        if self._counter is None and not self._failed:
            self._begin()
        if self._counter is None or self._dialect is None or self._failed:
            return None
        records = self._counter.finish()  # the header is one of them
        if records is None or records < 1:
            return None
        return StreamedCount(self._dialect, records - 1)

    def _begin(self) -> None:
        head, self._head = bytes(self._head), bytearray()
        try:
            dialect = dialect_of(io.BytesIO(head), "utf-8")
        except (BulkWriteError, UnicodeError, ValueError, LookupError):
            self._failed = True
            return
        self._dialect, self._counter = dialect, RecordCounter(dialect.delimiter)
        bom = len(codecs.BOM_UTF8) if dialect.encoding == "utf-8-sig" else 0
        self._counter.feed(head[bom:])
        self._failed = self._counter.rows is None
