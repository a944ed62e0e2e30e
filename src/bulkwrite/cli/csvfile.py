"""The local CSV before upload: checked, zipped and counted, streaming.

One pass zips the file and checks that it is text (the same checks the server's upload makes);
a second pass reads it with the csv module to get its header and count its data rows, which is
the total of the progress bar. Counting is lenient about bad bytes: the server is the judge of
the file's encoding and reports such problems itself.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bulkwrite.cli.common import InputError
from bulkwrite.errors import FileFormatInvalid
from bulkwrite.files.csvsource import normalise_encoding, pick_delimiter
from bulkwrite.files.fastcsv import FIELD_LIMIT
from bulkwrite.files.upload_files import TextSniffer
from bulkwrite.files.zipsafe import looks_like_zip

BLOCK_SIZE = 1024 * 1024
HEADER_SCAN_LINES = 1000


@dataclass(frozen=True)
class LocalCsv:
    """What the command learnt about the file it uploads."""

    path: Path
    header: list[str]
    rows: int  # non-blank data rows, as the server counts them
    encoding: str  # the Python codec used to read it locally
    delimiter: str


def pack_csv(path: Path, dest: IO[bytes], encoding: str | None) -> LocalCsv:
    """Zip the CSV at ``path`` into ``dest`` and describe it; ``InputError`` if it is no CSV."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    hint = _zip_and_sniff(path, dest)
    try:
        codec = normalise_encoding(encoding or hint)
    except LookupError:
        raise InputError(f"--encoding {encoding!r}: unknown character encoding") from None
    return count_rows(path, codec)


def _zip_and_sniff(path: Path, dest: IO[bytes]) -> str:
    sniffer = TextSniffer()
    with (
        path.open("rb") as source,
        zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(path.name, "w", force_zip64=True) as entry,
    ):
        first = True
        while block := source.read(BLOCK_SIZE):
            if first and looks_like_zip(block[:4]):
                raise InputError(f"{path} is a zip file; pass the CSV file itself")
            first = False
            try:
                sniffer.feed(block)
            except FileFormatInvalid:
                raise InputError(f"{path} is not a CSV file (binary content)") from None
            entry.write(block)
    try:
        return sniffer.finish()
    except FileFormatInvalid as exc:
        kind = "is empty" if "empty" in exc.message else "is not a CSV file (binary content)"
        raise InputError(f"{path} {kind}") from None


def count_rows(path: Path, codec: str) -> LocalCsv:
    """The header and the number of non-blank data rows of the CSV at ``path``."""
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
            rows = sum(1 for _ in records)
        except csv.Error as exc:
            raise InputError(f"{path} cannot be read as CSV: {exc}") from None
    if not header:
        raise InputError(f"{path} has no header row")
    return LocalCsv(path, header, rows, codec, delimiter)


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
