"""The files people import, as the text table bulkwrite reads: what kind a file is, gunzipped,
and spreadsheets (``.xlsx``, ``.ods``) written out as CSV.

A file's kind is decided by its content, never by its name: gzip by its magic bytes, a zip by
its own; a zip is a spreadsheet when it holds an Office Open XML workbook (``xl/workbook.xml``)
or an OpenDocument spreadsheet (its ``mimetype`` entry says so), otherwise a zip of text tables.

**DECIDED** — a spreadsheet cell becomes a CSV cell as the spreadsheet types it: a date as
``MM/dd/yyyy`` and a date-time as ``MM/dd/yyyy HH:mm:ss`` (the contract's default patterns, so
a date field reads them without a ``format``; a ``format`` is for dates the sheet holds as
text), a time as ``HH:mm:ss``, a number in plain decimal notation (``12000``, ``1234.5``,
``0.25`` for a cell shown as 25 %; never an exponent), a boolean as ``true``/``false``, text as
it is. The first sheet is read unless one is named. The sheet is read by python-calamine.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, Protocol

from bulkwrite.errors import FileFormatInvalid, FileTooLarge
from bulkwrite.files.zipsafe import BLOCK_SIZE, check_ratio, looks_like_zip

GZIP_MAGIC = b"\x1f\x8b"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SPREADSHEET_SUFFIXES = (".xlsx", ".ods")


class TextSink(Protocol):
    """Anything text can be written to (a text file, a counting sink)."""

    def write(self, text: str, /) -> object: ...


class Kind(StrEnum):
    """What an uploaded or imported file is."""

    TEXT = "text"  #: a CSV, TSV or other delimited text file
    GZIP = "gzip"  #: a gzip-compressed text file
    ZIP = "zip"  #: a zip holding a text table
    XLSX = "xlsx"  #: an Excel workbook (Office Open XML)
    ODS = "ods"  #: an OpenDocument spreadsheet


def sniff(source: IO[bytes]) -> Kind:
    """The kind of the seekable binary file ``source`` (left at its start)."""
    source.seek(0)
    head = source.read(4)
    source.seek(0)
    if head.startswith(GZIP_MAGIC):
        return Kind.GZIP
    if not looks_like_zip(head):
        return Kind.TEXT
    try:
        with zipfile.ZipFile(source) as archive:
            kind = spreadsheet_kind(archive)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        kind = None  # a corrupt zip: the zip reader says what is wrong with it
    source.seek(0)
    return kind or Kind.ZIP


def spreadsheet_kind(archive: zipfile.ZipFile) -> Kind | None:
    """``XLSX`` or ``ODS`` when the zip is a spreadsheet, else None."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
        return Kind.XLSX
    if "mimetype" in names and "content.xml" in names:
        with archive.open("mimetype") as entry:
            if entry.read(len(ODS_MIMETYPE) + 1).strip() == ODS_MIMETYPE:
                return Kind.ODS
    return None


def gunzip_blocks(source: IO[bytes], max_bytes: int) -> Iterator[bytes]:
    """The inflated blocks of the gzip file ``source``, stopped past ``max_bytes`` or a bomb
    ratio; ``FileFormatInvalid`` for a corrupt one."""
    inflated = 0
    try:
        with gzip.GzipFile(fileobj=source, mode="rb") as stream:
            while block := stream.read(BLOCK_SIZE):
                inflated += len(block)
                if inflated > max_bytes:
                    raise FileTooLarge(
                        f"The gzip file inflates past the limit of {max_bytes} bytes."
                    )
                check_ratio(inflated, source.tell())
                yield block
    except (OSError, EOFError, zlib.error) as exc:
        raise FileFormatInvalid(f"The gzip file is corrupt: {exc}") from None


def sheet_to_csv(source: IO[bytes], out: TextSink, sheet: str | None = None) -> tuple[str, int]:
    """Write one sheet of the spreadsheet ``source`` (the first, or the one named ``sheet``)
    to ``out`` as CSV (comma, minimal quoting; see the module docstring for the cells);
    returns the sheet's name and how many of its rows hold a value. ``FileFormatInvalid``
    for an unreadable workbook or an unknown sheet."""
    import python_calamine

    source.seek(0)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(source)
    except Exception as exc:  # calamine's errors share no base class but Exception
        raise FileFormatInvalid(f"The spreadsheet cannot be read: {exc}") from None
    try:
        names = list(workbook.sheet_names)
        name = _sheet_name(names, sheet)
        rows = workbook.get_sheet_by_name(name).iter_rows()
        writer = csv.writer(out, lineterminator="\r\n")
        filled = 0
        for row in rows:
            cells = [cell_text(cell) for cell in row]
            filled += any(cells)
            writer.writerow(cells)
    finally:
        workbook.close()
    return name, filled


def _sheet_name(names: list[str], wanted: str | None) -> str:
    if not names:
        raise FileFormatInvalid("The spreadsheet has no sheet.")
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    listed = ", ".join(repr(n) for n in names)
    raise FileFormatInvalid(f"The spreadsheet has no sheet {wanted!r}; its sheets: {listed}.")


def cell_text(value: Any) -> str:
    """A spreadsheet cell's value as the CSV cell bulkwrite reads (module docstring)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def stored_name(filename: str, kind: Kind) -> str:
    """The name a converted upload keeps: ``Deals.xlsx`` and ``Deals.csv.gz`` are
    ``Deals.csv``, ``Deals.tsv.gz`` is ``Deals.tsv``."""
    lower = filename.lower()
    if kind is Kind.GZIP and lower.endswith(".gz"):
        return filename[:-3]
    if kind in (Kind.XLSX, Kind.ODS) and lower.endswith(SPREADSHEET_SUFFIXES):
        return f"{filename.rpartition('.')[0]}.csv"
    return filename
