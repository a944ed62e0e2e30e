"""The local file as ``bulkwrite import`` sends it: the text table itself, uploaded as a bare
CSV (no zipping: the server takes one, contract section 4), checked as the upload is, its header
read first, its rows counted on a thread while it is uploaded and imported.

Counting (the csv module over the whole file) only feeds the progress bar's total and the end's
warnings, so nothing waits for it but those; a file the csv module cannot read is then reported
by the server's result (and, locally, by the same ``InputError`` as before, at the end).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bulkwrite.cli.csvfile import LocalCsv, Watch, count_rows, open_table


class _Counting:
    """``count_rows`` on a thread of its own; ``result()`` waits for it (and raises its error)."""

    def __init__(self, path: Path, codec: str, shown: Path, watch: Watch | None) -> None:
        self._found: LocalCsv | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(path, codec, shown, watch), name="bulkwrite-count", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path, codec: str, shown: Path, watch: Watch | None) -> None:
        try:
            self._found = count_rows(path, codec, shown, watch)
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> LocalCsv:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._found is not None
        return self._found


@dataclass(frozen=True)
class LocalTable:
    """The text table to upload (``path``, named ``name``), its header, and its count."""

    shown: Path  # the file given on the command line
    path: Path
    name: str
    sheet: str | None
    header: list[str]
    counting: _Counting

    @property
    def rows(self) -> int | None:
        """The data rows, once counted (None: still counting)."""
        return self.counting.result().rows if self.counting.done else None

    def local(self) -> LocalCsv:
        """What ``pack_csv`` would have said of the file (waits for the count)."""
        return replace(self.counting.result(), name=self.name, sheet=self.sheet)


@contextmanager
def local_table(
    path: Path, encoding: str | None, sheet: str | None = None, watch: Watch | None = None
) -> Iterator[LocalTable]:
    """The table in the file at ``path``, ready to upload as it is, while the block runs;
    ``InputError`` as ``pack_csv`` for a file that holds no table."""
    with open_table(path, encoding, sheet) as (table, codec):
        header = _header(table.path, codec, path)
        counting = _Counting(table.path, codec, path, watch)
        try:
            yield LocalTable(path, table.path, table.name, table.sheet, header, counting)
        finally:
            counting._thread.join()  # the table's file may be a temporary one


def _header(path: Path, codec: str, shown: Path) -> list[str]:
    """The header record, read as ``count_rows`` reads it."""
    return count_rows(path, codec, shown, None, header_only=True).header
