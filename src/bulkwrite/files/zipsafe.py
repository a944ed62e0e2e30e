"""Reading an uploaded zip safely: its text tables (one, or one per resource of a job of
several resources), streamed out, never inflated into memory.

``zipfile`` is used only to read the central directory and to open the chosen entry as a
stream. Every entry name is checked (no absolute paths, drive letters or ``..`` parts), the one
text-table entry (``.csv``, else ``.tsv``, else ``.txt`` or no suffix: ``text_table_entries``)
is picked, and its declared size is checked against the limit before a byte is inflated. While
streaming, the inflated byte count is checked again against the entry's compressed size, so a
zip bomb is stopped early whatever its headers claim.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from bulkwrite.errors import FileFormatInvalid, FileTooLarge

BLOCK_SIZE = 1024 * 1024
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# A zip bomb guard on top of the size limit: past BOMB_FLOOR inflated bytes, an entry may not
# inflate more than MAX_RATIO times its compressed size (deflate itself tops out near 1032:1).
MAX_RATIO = 1000
BOMB_FLOOR = 100 * 1024 * 1024

_ENCRYPTED_FLAG = 0x1
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


def looks_like_zip(head: bytes) -> bool:
    """Whether the first bytes of a file are a zip's local header or an empty zip's end record."""
    return head.startswith(ZIP_MAGICS)


@contextmanager
def open_zipped_csv(source: IO[bytes], max_bytes: int) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Open the one CSV inside the zip ``source``; yield its base name and its inflated blocks.

    Raises ``FileFormatInvalid`` for a corrupt zip, an unsafe entry name, an encrypted CSV, no
    CSV or more than one; ``FileTooLarge`` when the CSV declares (or turns out) to be larger
    than ``max_bytes`` or inflates like a zip bomb. Errors can come from the block iterator
    too, so the caller must consume it inside the ``with`` block.
    """
    with _open_archive(source) as archive:
        info = pick_csv_entry(archive.infolist())
        check_declared_size(info, max_bytes)
        with _open_entry(archive, info) as stream:
            yield base_name(info.filename), entry_blocks(stream, info, max_bytes)


@contextmanager
def open_zipped_csvs(
    source: IO[bytes], max_bytes: int
) -> Iterator[Iterator[tuple[str, Iterator[bytes]]]]:
    """Open every CSV inside the zip ``source`` (``text_table_entries``, in zip order); yield an
    iterator of (base name, inflated blocks), one entry after the other, each to be consumed
    before the next is asked for. ``max_bytes`` bounds the CSVs' inflated bytes together.

    The errors of ``open_zipped_csv``; two CSVs of one base name are refused too (a job's
    resources name their CSV by it, contract section 12).
    """
    with _open_archive(source) as archive:
        tables = csv_entries(archive.infolist())
        if sum(info.file_size for info in tables) > max_bytes:
            raise FileTooLarge(
                f"The CSV files in the zip inflate to more than the limit of {max_bytes} bytes."
            )
        yield _each_entry(archive, tables, max_bytes)


def csv_entries(entries: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The zip's text tables (at least one), none encrypted, no base name twice."""
    tables = text_table_entries(entries)
    if not tables:
        raise FileFormatInvalid("The zip file holds no CSV, TSV or text file.")
    seen: set[str] = set()
    for info in tables:
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise FileFormatInvalid(f"The zip entry {info.filename!r} is encrypted.")
        name = base_name(info.filename)
        if name in seen:
            raise FileFormatInvalid(f"The zip file holds two CSV files named {name!r}.")
        seen.add(name)
        check_ratio(info.file_size, info.compress_size)
    return tables


def _each_entry(
    archive: zipfile.ZipFile, tables: list[zipfile.ZipInfo], max_bytes: int
) -> Iterator[tuple[str, Iterator[bytes]]]:
    left = max_bytes
    for info in tables:
        with _open_entry(archive, info) as stream:
            yield base_name(info.filename), entry_blocks(stream, info, left)
        left -= info.file_size


def _open_archive(source: IO[bytes]) -> zipfile.ZipFile:
    """The zip ``source``, opened; ``FileFormatInvalid`` when it is corrupt."""
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FileFormatInvalid(f"The zip file is corrupt: {exc}") from exc


def _open_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """The entry ``info`` of ``archive``, opened; ``FileFormatInvalid`` when it is unreadable."""
    try:
        return archive.open(info)
    except _CORRUPT as exc:
        raise FileFormatInvalid(f"The zip entry {info.filename!r} is unreadable: {exc}") from exc


def text_table_entries(entries: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The zip's text tables, in zip order, after checking that every entry's name is safe:
    its ``.csv`` entries; only when it has none, its ``.tsv`` entries; only when it has none
    either, its ``.txt`` and suffix-less ones (so a ``readme.txt`` beside a CSV is no table).
    Folders and hidden or macOS metadata files are left out."""
    by_kind: dict[str, list[zipfile.ZipInfo]] = {".csv": [], ".tsv": [], ".txt": []}
    for info in entries:
        check_entry_name(info.filename)
        if _is_ignored(info):
            continue
        name = base_name(info.filename).lower()
        suffix = name[name.rfind(".") :] if "." in name else ".txt"
        if suffix in by_kind:
            by_kind[suffix].append(info)
    return next((tables for tables in by_kind.values() if tables), [])


def pick_csv_entry(entries: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """The one text-table entry among ``entries`` (``text_table_entries``)."""
    tables = text_table_entries(entries)
    if not tables:
        raise FileFormatInvalid("The zip file holds no CSV, TSV or text file.")
    if len(tables) > 1:
        names = ", ".join(info.filename for info in tables[:5])
        raise FileFormatInvalid(f"The zip file holds more than one CSV file: {names}.")
    info = tables[0]
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise FileFormatInvalid(f"The zip entry {info.filename!r} is encrypted.")
    return info


def check_entry_name(name: str) -> None:
    """Reject a name that is absolute, carries a drive letter, or climbs with ``..``."""
    if not name:
        raise FileFormatInvalid("The zip file has an entry with an empty name.")
    if name.startswith(("/", "\\")):
        raise FileFormatInvalid(f"The zip entry {name!r} has an absolute path.")
    if len(name) >= 2 and name[1] == ":" and name[0].isalpha():
        raise FileFormatInvalid(f"The zip entry {name!r} has a drive letter.")
    if ".." in _parts(name):
        raise FileFormatInvalid(f"The zip entry {name!r} has a '..' path part.")


def check_declared_size(info: zipfile.ZipInfo, max_bytes: int) -> None:
    """Refuse an entry whose central directory already says it is too large or a bomb."""
    if info.file_size > max_bytes:
        raise FileTooLarge(
            f"The CSV file in the zip inflates to {info.file_size} bytes; "
            f"the limit is {max_bytes} bytes."
        )
    check_ratio(info.file_size, info.compress_size)


def base_name(name: str) -> str:
    """The last path part of a zip entry name (either slash counts as a separator)."""
    return _parts(name)[-1]


def entry_blocks(stream: IO[bytes], info: zipfile.ZipInfo, max_bytes: int) -> Iterator[bytes]:
    """The inflated blocks of ``info``'s ``stream``, stopped past ``max_bytes`` or a bomb ratio.

    ``zipfile`` itself stops at the declared size (then fails the CRC), so this guard is
    defence in depth should a reader ever trust the data over the header.
    """
    inflated = 0
    while True:
        try:
            block = stream.read(BLOCK_SIZE)
        except _CORRUPT as exc:
            raise FileFormatInvalid(f"The zip entry {info.filename!r} is corrupt: {exc}") from exc
        if not block:
            return
        inflated += len(block)
        if inflated > max_bytes:
            raise FileTooLarge(
                f"The CSV file in the zip inflates past the limit of {max_bytes} bytes."
            )
        check_ratio(inflated, info.compress_size)
        yield block


def check_ratio(inflated: int, compressed: int) -> None:
    """Refuse a file that inflates like a bomb (``MAX_RATIO`` past ``BOMB_FLOOR`` bytes)."""
    if inflated > BOMB_FLOOR and inflated > MAX_RATIO * max(compressed, 1):
        raise FileTooLarge(
            f"The compressed file inflates more than {MAX_RATIO}:1 past "
            f"{BOMB_FLOOR} bytes; refusing it as a zip bomb."
        )


def _is_ignored(info: zipfile.ZipInfo) -> bool:
    parts = _parts(info.filename)
    return info.is_dir() or "__MACOSX" in parts or parts[-1].startswith(".") or not parts[-1]


def _parts(name: str) -> list[str]:
    return name.replace("\\", "/").split("/")
