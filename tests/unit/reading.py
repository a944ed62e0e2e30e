"""Helpers of the tests of reading and counting CSV: the reader's own count, and bytes fed to a
streaming counter or check in pieces."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bulkwrite.errors import BulkWriteError
from bulkwrite.files.csvsource import CsvDialect, CsvSource


def reader_count(path: Path, dialect: CsvDialect) -> int | None:
    """The data rows the job's reader reads from ``path``; None if it cannot read them all."""
    try:
        with CsvSource(path, dialect) as source:
            return sum(1 for _ in source.rows())
    except BulkWriteError:
        return None


def feed_in_pieces(feed: Callable[[bytes], None], data: bytes, cuts: Iterable[int]) -> None:
    """``data`` fed in the pieces between ``cuts`` (offsets, any order, clamped to its size)."""
    previous = 0
    for cut in sorted(min(cut, len(data)) for cut in cuts):
        feed(data[previous:cut])
        previous = cut
    feed(data[previous:])
