"""Storing an uploaded file as CSVs on disk: a bare text table, a zip holding one (or several,
one per resource of a job, each written beside the first), a gzipped
one, or (a bulkwrite extension) the first sheet of an ``.xlsx`` or ``.ods`` spreadsheet.

The kind of file is decided by its content, never by its name (``files/tables.py``). The text is
streamed in blocks into a temp file beside the destination, its text encoding is guessed in the
same pass, and the temp file is fsynced and renamed into place, so ``dest`` is either absent or
complete. A spreadsheet's sheet is written as UTF-8 CSV (its cells as ``files/tables.py`` says).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bulkwrite.errors import FileFormatInvalid, FileTooLarge
from bulkwrite.files.durable import fsync_dir, replacing
from bulkwrite.files.encodings import BOM_REQUIRED, bom_codec, byte_order_mark
from bulkwrite.files.tables import Kind, gunzip_blocks, sheet_to_csv, sniff, stored_name
from bulkwrite.files.utf8check import Utf8Stream
from bulkwrite.files.zipsafe import BLOCK_SIZE, open_zipped_csvs

HEAD_SIZE = 64 * 1024
DEFAULT_NAME = "upload.csv"
# Well-known binary formats that might not show a NUL byte early on.
_BINARY_MAGICS = (
    b"%PDF-",
    b"\x1f\x8b",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"7z\xbc\xaf\x27\x1c",
    b"\xfd7zXZ\x00",
    b"Rar!\x1a\x07",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\x28\xb5\x2f\xfd",
    b"\x7fELF",
)
_BLANK = b" \t\r\n\x0b\x0c\x00"


@dataclass(frozen=True)
class StoredUpload:
    """A CSV that now lives at ``path``, ready for a job to read."""

    name: str
    path: Path
    size: int
    encoding_hint: str
    zipped: bool
    #: A zip's further CSVs, in zip order, each written beside ``path`` (``member_path``): a
    #: job of several resources names each by its name (contract section 12).
    more: tuple[StoredUpload, ...] = ()


def store_upload(
    source: IO[bytes], filename: str | None, dest: Path, tmp_dir: Path, max_bytes: int
) -> StoredUpload:
    """Store the upload in ``source`` as one CSV at ``dest``; see the module docstring.

    ``tmp_dir`` must be on the same file system as ``dest`` (the file is renamed into place).
    Raises ``FileFormatInvalid`` or ``FileTooLarge``; on any error nothing is left behind.
    """
    more: list[StoredUpload] = []
    try:
        with replacing(dest, tmp_dir, ".upload-") as out:
            stored = _fill(source, filename, out, dest, max_bytes, more)
    except BaseException:
        for member in more:
            member.path.unlink(missing_ok=True)
        raise
    fsync_dir(dest.parent)
    return dataclasses.replace(stored, more=tuple(more))


def member_path(dest: Path, number: int) -> Path:
    """Where the zip's CSV ``number`` (1 for the second) is written beside ``dest``."""
    return dest.with_name(f"{dest.stem}-{number}{dest.suffix}")


def adopt_upload(
    path: Path, filename: str | None, dest: Path, tmp_dir: Path, max_bytes: int
) -> StoredUpload:
    """``store_upload`` of a file already on disk in ``tmp_dir``: a bare CSV is checked where
    it is, fsynced and renamed to ``dest`` (a big file is not written twice); a zip is unpacked
    as ``store_upload`` does, ``path`` left to the caller."""
    with path.open("rb") as source:
        if sniff(source) is not Kind.TEXT:
            return store_upload(source, filename, dest, tmp_dir, max_bytes)
        size, hint = _copy(_read_blocks(source), None, max_bytes)
        os.fsync(source.fileno())
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, dest)
    fsync_dir(dest.parent)
    return StoredUpload(csv_name_for(filename), dest, size, hint, zipped=False)


def csv_name_for(filename: str | None) -> str:
    """The CSV name for a bare CSV upload: the base name, its suffix made ``.csv``.

    ``Leads.zip`` becomes ``Leads.csv``, ``data`` becomes ``data.csv``; a missing or unusable
    name becomes ``upload.csv``.
    """
    name = clean_name(filename or "")
    if not name or name.startswith("."):
        return DEFAULT_NAME
    if name.lower().endswith(".csv"):
        return name
    stem, dot, _suffix = name.rpartition(".")
    return f"{stem if dot else name}.csv"


def clean_name(name: str) -> str:
    """The last path part of ``name`` without control characters or surrounding spaces."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in last if ch.isprintable()).strip()


def _fill(
    source: IO[bytes],
    filename: str | None,
    out: IO[bytes],
    dest: Path,
    max_bytes: int,
    more: list[StoredUpload],
) -> StoredUpload:
    kind = sniff(source)
    if kind is Kind.ZIP:
        return _unzip(source, out, dest, max_bytes, more)
    name = csv_name_for(stored_name(clean_name(filename or ""), kind))
    if kind in (Kind.XLSX, Kind.ODS):
        return StoredUpload(name, dest, _write_sheet(source, out, max_bytes), "utf-8", zipped=True)
    blocks = gunzip_blocks(source, max_bytes) if kind is Kind.GZIP else _read_blocks(source)
    size, hint = _copy(blocks, out, max_bytes)
    return StoredUpload(name, dest, size, hint, zipped=kind is Kind.GZIP)


def _unzip(
    source: IO[bytes], out: IO[bytes], dest: Path, max_bytes: int, more: list[StoredUpload]
) -> StoredUpload:
    """The zip's first CSV written to ``out``; each further one to its ``member_path``
    (appended to ``more`` as soon as it exists, so a failure can remove it)."""
    first: StoredUpload | None = None
    with open_zipped_csvs(source, max_bytes) as entries:
        for entry_name, blocks in entries:
            name = clean_name(entry_name) or DEFAULT_NAME
            if first is None:
                size, hint = _copy(blocks, out, max_bytes)
                first = StoredUpload(name, dest, size, hint, zipped=True)
                continue
            path = member_path(dest, len(more) + 1)
            path.parent.mkdir(parents=True, exist_ok=True)
            more.append(StoredUpload(name, path, 0, "", zipped=True))
            with path.open("wb") as member:
                size, hint = _copy(blocks, member, max_bytes)
                member.flush()
                os.fsync(member.fileno())
            more[-1] = StoredUpload(name, path, size, hint, zipped=True)
    assert first is not None  # csv_entries refuses a zip without a CSV
    return first


class _Utf8Sink:
    """Where a sheet's CSV text goes: ``out``, as UTF-8, stopped past ``limit`` bytes."""

    def __init__(self, out: IO[bytes], limit: int) -> None:
        self.out, self.limit, self.size = out, limit, 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.size += len(data)
        if self.size > self.limit:
            raise FileTooLarge(f"The sheet as CSV is larger than the limit of {self.limit} bytes.")
        self.out.write(data)
        return len(text)


def _write_sheet(source: IO[bytes], out: IO[bytes], max_bytes: int) -> int:
    """The spreadsheet's first sheet written to ``out`` as UTF-8 CSV; its size."""
    sink = _Utf8Sink(out, max_bytes)
    _, rows = sheet_to_csv(source, sink)
    if not rows:
        raise FileFormatInvalid("The spreadsheet's sheet is empty.")
    return sink.size


def _read_blocks(source: IO[bytes]) -> Iterator[bytes]:
    while block := source.read(BLOCK_SIZE):
        yield block


def _copy(blocks: Iterable[bytes], out: IO[bytes] | None, max_bytes: int) -> tuple[int, str]:
    """Write ``blocks`` to ``out`` (if any) under the size limit; return the size and
    encoding hint."""
    sniffer = TextSniffer()
    size = 0
    for block in blocks:
        size += len(block)
        if size > max_bytes:
            raise FileTooLarge(f"The CSV file is larger than the limit of {max_bytes} bytes.")
        sniffer.feed(block)
        if out is not None:
            out.write(block)
    return size, sniffer.finish()


class TextSniffer:
    """Fed a file's blocks in order: rejects binary or empty content, guesses the encoding.

    Memory use is bounded by ``HEAD_SIZE``: the head is kept for the binary checks, the rest
    only runs through a UTF-8 check (``Utf8Stream``).
    """

    def __init__(self) -> None:
        self._head = bytearray()
        self._head_done = False
        self._has_text = False
        self._utf8 = Utf8Stream()

    def feed(self, block: bytes) -> None:
        rest = block
        if not self._head_done:
            need = HEAD_SIZE - len(self._head)
            self._head += block[:need]
            rest = block[need:]
            if len(self._head) >= HEAD_SIZE:
                self._check_head()
        if self._head_done and rest and not self._has_text:
            self._has_text = bool(rest.translate(None, _BLANK))
        self._utf8.feed(block)

    def finish(self) -> str:
        """Raise ``FileFormatInvalid`` for blank content; else return the encoding hint."""
        if not self._head_done:
            self._check_head()
        utf8 = self._utf8.finish()
        if not self._has_text:
            raise FileFormatInvalid("The file is empty.")
        marked = bom_codec(bytes(self._head[:4]))  # UTF-32's marks before UTF-16's
        if marked is not None:
            return marked
        return "utf-8" if utf8 else "cp1252"

    def _check_head(self) -> None:
        self._head_done = True
        head = bytes(self._head)
        if head.startswith(_BINARY_MAGICS):
            raise FileFormatInvalid("The file is neither a zip nor a CSV file (binary content).")
        mark, codec = byte_order_mark(head)
        if b"\x00" in head and codec not in BOM_REQUIRED:
            raise FileFormatInvalid("The file is neither a zip nor a CSV file (binary content).")
        self._has_text = bool(head[len(mark) :].translate(None, _BLANK))
