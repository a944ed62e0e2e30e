"""Counting a CSV's data rows as a job's reader reads them (``CsvSource``: blank rows left out,
a quoted newline inside its row), so the count kept at upload is the count a job ends with:
``fastcount`` where it can, the reader itself where it cannot."""

from __future__ import annotations

import logging
from pathlib import Path

from bulkwrite.domain.identity import RowCount
from bulkwrite.errors import BulkWriteError
from bulkwrite.files.csvsource import CsvDialect, CsvSource, detect_dialect, native_start
from bulkwrite.files.fastcount import count_records

log = logging.getLogger(__name__)

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


def count_upload(path: Path, encoding_hint: str) -> RowCount | None:
    """The data rows of an uploaded CSV, read in the dialect a job detects for it when its
    request names no encoding; None if it cannot be read as CSV (a job over it fails with
    the reader's own error)."""
    try:
        dialect = detect_dialect(path, None, encoding_hint)
        return RowCount(count_data_rows(path, dialect), dialect.encoding, dialect.delimiter)
    except (BulkWriteError, OSError, UnicodeError, ValueError, LookupError):
        return None
    except Exception:  # any other reader failure: the upload stands, a job counts at start
        log.warning("the rows of %s could not be counted", path.name, exc_info=True)
        return None
