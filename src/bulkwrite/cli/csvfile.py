"""The local file before upload: made a text table, checked, zipped and counted, streaming.

A gzipped file, a zip or a spreadsheet is first made the plain text table inside it
(``files/table_input.py``). One pass zips that and checks that it is text (the same checks the
server's upload makes); a second pass reads it with the csv module to get its header, count its
data rows (the total of the progress bar) and the empty cells of each column. Counting is
lenient about bad bytes: the server is the judge of the file's encoding and reports such
problems itself.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from bulkwrite.cli.common import InputError
from bulkwrite.errors import FileFormatInvalid
from bulkwrite.files.dialect import FIELD_LIMIT, pick_delimiter
from bulkwrite.files.encodings import text_encoding as normalise_encoding
from bulkwrite.files.table_input import TextTable, text_table
from bulkwrite.files.tables import Kind
from bulkwrite.files.upload_files import TextSniffer

BLOCK_SIZE = 1024 * 1024
HEADER_SCAN_LINES = 1000


@dataclass(frozen=True)
class LocalCsv:
    """What the command learnt about the file it uploads."""

    path: Path  # the file given (a spreadsheet, a zip…), as named on the command line
    header: list[str]
    rows: int  # non-blank data rows, as the server counts them
    encoding: str  # the Python codec used to read it locally
    delimiter: str
    empty: dict[int, int] = field(default_factory=dict)  # watched column: rows with it empty
    name: str = ""  # the table's name in the uploaded zip
    sheet: str | None = None  # the sheet read, for a spreadsheet


Watch = Callable[[list[str]], Iterable[int]]


def pack_csv(
    path: Path,
    dest: IO[bytes],
    encoding: str | None,
    sheet: str | None = None,
    watch: Watch | None = None,
) -> LocalCsv:
    """Zip the table in the file at ``path`` into ``dest`` and describe it; ``InputError`` if
    it holds no table. ``watch(header)`` names the columns whose empty cells are counted."""
    with open_table(path, encoding, sheet, zip_into=dest) as (table, codec):
        local = count_rows(table.path, codec, path, watch)
    return replace(local, name=table.name, sheet=table.sheet)


@contextmanager
def open_table(
    path: Path, encoding: str | None, sheet: str | None = None, zip_into: IO[bytes] | None = None
) -> Iterator[tuple[TextTable, str]]:
    """The text table in the file at ``path`` and the codec to read it with (``encoding``, or
    the hint of the upload's own checks), while the block runs; ``zip_into``: where its text is
    zipped as it is checked. ``InputError`` for a missing file, a file that holds no table, an
    encoding given for a spreadsheet or unknown, and a ``FileFormatInvalid`` of the block."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    try:
        with text_table(path, sheet) as table:
            if encoding is not None and table.kind in (Kind.XLSX, Kind.ODS):
                raise InputError("--encoding is for text files; a spreadsheet's text is read as is")
            if zip_into is None:
                hint = sniff_text(table.path, path)
            else:
                hint = _zip_and_sniff(table.path, zip_into, table.name, path)
            try:
                codec = normalise_encoding(encoding or hint)
            except LookupError:
                raise InputError(f"--encoding {encoding!r}: unknown character encoding") from None
            yield table, codec
    except FileFormatInvalid as exc:
        raise InputError(f"{path}: {exc.message.rstrip('.')}") from None


def _zip_and_sniff(path: Path, dest: IO[bytes], name: str, shown: Path) -> str:
    with (
        zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as entry,
    ):
        return sniff_text(path, shown, entry.write)


def sniff_text(path: Path, shown: Path, copy: Callable[[bytes], object] | None = None) -> str:
    """The encoding hint of the text table at ``path`` after the upload's own checks (it is
    text, not empty): ``InputError`` naming ``shown`` if not. ``copy`` gets every block."""
    sniffer = TextSniffer()
    with path.open("rb") as source:
        while block := source.read(BLOCK_SIZE):
            try:
                sniffer.feed(block)
            except FileFormatInvalid:
                raise InputError(f"{shown} is not a CSV file (binary content)") from None
            if copy is not None:
                copy(block)
    try:
        return sniffer.finish()
    except FileFormatInvalid as exc:
        kind = "is empty" if "empty" in exc.message else "is not a CSV file (binary content)"
        raise InputError(f"{shown} {kind}") from None


def count_rows(
    path: Path,
    codec: str,
    shown: Path | None = None,
    watch: Watch | None = None,
    header_only: bool = False,
) -> LocalCsv:
    """The header, the number of non-blank data rows and the empty cells of the watched
    columns of the text table at ``path`` (``shown``: the name to describe it by);
    ``header_only``: the header alone (no rows counted)."""
    shown = shown or path
    with path.open("rb") as raw:
        if codec == "utf-8" and raw.read(3) == codecs.BOM_UTF8:
            codec = "utf-8-sig"
    csv.field_size_limit(FIELD_LIMIT)
    with path.open(encoding=codec, errors="replace", newline="") as text:
        delimiter = pick_delimiter(_header_text(text))
        text.seek(0)
        records = (r for r in csv.reader(text, delimiter=delimiter) if not _blank(r))
        try:
            header = [cell.strip() for cell in next(records, [])]
            rows, empty = 0, dict[int, int]()
            if not header_only:
                rows, empty = _tally(records, sorted(set(watch(header))) if watch else [])
        except csv.Error as exc:
            raise InputError(f"{shown} cannot be read as CSV: {exc}") from None
    if not header:
        raise InputError(f"{shown} has no header row")
    return LocalCsv(shown, header, rows, codec, delimiter, empty)


def _tally(records: Iterator[list[str]], watched: list[int]) -> tuple[int, dict[int, int]]:
    """How many records, and per watched column how many have an empty (or missing) cell."""
    if not watched:
        return sum(1 for _ in records), {}
    rows, empty = 0, dict.fromkeys(watched, 0)
    for record in records:
        rows += 1
        for index in watched:
            if index >= len(record) or not record[index].strip():
                empty[index] += 1
    return rows, empty


def _header_text(text: IO[str]) -> str:
    """The first non-blank record's text: lines joined until their quotes balance."""
    parts: list[str] = []
    for number, line in enumerate(text):
        if number > HEADER_SCAN_LINES:
            break
        if not parts and not line.strip():
            continue
        parts.append(line)
        if "".join(parts).count('"') % 2 == 0:
            break
    return "".join(parts)


def _blank(record: list[str]) -> bool:
    return not "".join(record).strip()
