"""A file to import, on the client, as the plain text table Zoho's upload takes inside a zip.

A text file (CSV, TSV, any delimited text, with or without a suffix) is used as it is (its
delimiter and encoding are detected by the server, as for any CSV); a gzipped one is inflated,
a zip's one text table is taken out of it, and the first sheet of a spreadsheet (or the one
named) is written as UTF-8 CSV (cells as ``files/tables.py`` says), each into a temporary file
that lives as long as the ``with`` block.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bulkwrite.errors import FileFormatInvalid
from bulkwrite.files.tables import Kind, gunzip_blocks, sheet_to_csv, sniff, stored_name
from bulkwrite.files.zipsafe import open_zipped_csv

#: No size limit on the client (the server has its own); zip and gzip bombs are still refused.
NO_LIMIT = 2**62
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class TextTable:
    """The text table to upload: where it is now, its name in the zip, what it was."""

    path: Path
    name: str
    kind: Kind
    sheet: str | None = None  # the sheet read, for a spreadsheet


@contextmanager
def text_table(path: Path, sheet: str | None = None) -> Iterator[TextTable]:
    """The file at ``path`` as a ``TextTable``; ``FileFormatInvalid`` names what is wrong
    (``sheet`` given for a file that is no spreadsheet, an unknown sheet, a zip without a
    text table, a corrupt file)."""
    with path.open("rb") as source:
        kind = sniff(source)
    if sheet is not None and kind not in (Kind.XLSX, Kind.ODS):
        raise FileFormatInvalid(f"{path.name} is not a spreadsheet (.xlsx, .ods): it has no sheets")
    if kind is Kind.TEXT:
        yield TextTable(path, upload_name(path.name), kind)
        return
    with tempfile.TemporaryDirectory(prefix="bulkwrite-") as tmp:
        out = Path(tmp) / "table"
        name, read = _unpack(path, kind, out, sheet)
        yield TextTable(out, upload_name(name), kind, read)


def _unpack(path: Path, kind: Kind, out: Path, sheet: str | None) -> tuple[str, str | None]:
    """Write the text table of ``path`` to ``out``; its name, and the sheet read."""
    with path.open("rb") as source:
        if kind in (Kind.XLSX, Kind.ODS):
            with out.open("w", encoding="utf-8", newline="") as text:
                read, _ = sheet_to_csv(source, text, sheet)
            return stored_name(path.name, kind), read
        with out.open("wb") as dest:
            if kind is Kind.GZIP:
                for block in gunzip_blocks(source, NO_LIMIT):
                    dest.write(block)
                return stored_name(path.name, kind), None
            with open_zipped_csv(source, NO_LIMIT) as (entry, blocks):
                for block in blocks:
                    dest.write(block)
            return entry, None


def upload_name(name: str) -> str:
    """The name of the table inside the uploaded zip: a ``.csv``, ``.tsv`` or ``.txt`` name
    as it is, any other made ``<name>.csv``."""
    clean = Path(name).name or "data"
    return clean if clean.lower().endswith(TEXT_SUFFIXES) else f"{clean}.csv"
