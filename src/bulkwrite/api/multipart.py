"""The ``file`` part of an upload, streamed from the request body into a file of its own.

python-multipart's parser is fed the body as it arrives (the ASGI server's blocks) and the
part's bytes are written a few MiB at a time on a worker thread, into a file in the directory
given (the file store's temp directory, so a bare CSV is then renamed into place, not copied).
The threads work behind the reading: while one writes (and, for an idempotency key, hashes) a
block and another counts its rows (``files/rowcount.UploadRows``), the next block is read.
Starlette's ``request.form()`` costs a thread hop per block and a spooled copy: 0.73 s for a
200 MB file against 0.13 s here.
Other fields are read and dropped; a body that is not multipart, holds no ``file`` part or more
than one file, has more than ``MAX_FIELDS`` parts, or ends before its closing boundary is
refused.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from bulkwrite.errors import FileFormatInvalid, FileTooLarge, MandatoryNotFound
from bulkwrite.files.partfile import LockedPart, new_part
from bulkwrite.files.rowcount import StreamedCount, UploadRows

#: Parts a body may have, the file included.
MAX_FIELDS: Final = 20
#: Bytes of the file part gathered before they are written.
WRITE_BLOCK: Final = 4 * 1024 * 1024
#: The parser's events this reader follows.
CALLBACKS: Final = (
    "part_begin", "header_field", "header_value", "header_end", "headers_finished", "part_data",
    "part_end", "end",
)  # fmt: skip


@dataclass
class FilePart:
    """The upload's file: where its content is, and the name the client gave it. The file is
    locked (``files/partfile.py``) until ``release``: the caller releases it once it has used
    or removed the file."""

    path: Path
    filename: str | None
    locked: LockedPart
    #: SHA-256 of the part's bytes, hashed as they were written (an idempotency key's
    #: request hash is over them).
    sha256: str = ""
    #: Its data rows, counted as they were written, if it is a well-formed UTF-8 CSV.
    counted: StreamedCount | None = None

    def release(self) -> None:
        self.locked.release()


@dataclass
class _Reader:
    """python-multipart's callbacks: the parts' headers, and the ``file`` part's bytes."""

    directory: Path
    parts: int = 0
    header: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    current: FilePart | None = None  # the file part being read
    found: FilePart | None = None
    out: BinaryIO | None = None
    ended: bool = False
    pending: list[bytes] = field(default_factory=list)
    pending_size: int = 0
    received: int = 0  # the file part's bytes so far
    digest: Any = None  # a SHA-256 of the part, if asked for
    rows: UploadRows = field(default_factory=UploadRows)
    counted: StreamedCount | None = None
    #: The worker threads' write (and hash) and count of the last block, under way.
    writing: list[asyncio.Future[None]] = field(default_factory=list)

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_FIELDS:
            raise FileFormatInvalid(f"The multipart body has more than {MAX_FIELDS} parts.")
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        name = self.header.lower()
        self.headers[name] = self.headers.get(name, b"") + data[start:end]

    def on_header_end(self) -> None:
        self.header = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if options.get(b"name") != b"file":
            return
        if self.found is not None or self.current is not None:
            raise FileFormatInvalid("The multipart body has more than one part named file.")
        name = options.get(b"filename")
        locked = new_part(self.directory)
        self.out = locked.file
        self.current = FilePart(
            locked.path, name.decode("utf-8", "replace") if name else None, locked
        )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current is not None:
            self.pending.append(data[start:end])
            self.pending_size += end - start
            self.received += end - start

    def on_part_end(self) -> None:
        if self.current is not None:
            self.found, self.current = self.current, None

    def on_end(self) -> None:
        self.ended = True

    def callbacks(self) -> dict[str, object]:
        return {f"on_{name}": getattr(self, f"on_{name}") for name in CALLBACKS}

    async def write_behind(self, *, last: bool = False) -> None:
        """Hand the bytes gathered so far to two worker threads, one writing (and hashing)
        them, one counting their rows, once the ones handed before are done: the body goes on
        being read meanwhile. ``last``: wait for these too, and end the count."""
        blocks, self.pending, self.pending_size = self.pending, [], 0
        await self.written_all()
        block = b"".join(blocks) if self.out is not None else b""
        self.writing = [
            asyncio.ensure_future(run_in_threadpool(self._write, block)),
            asyncio.ensure_future(run_in_threadpool(self._count, block, last)),
        ]
        if last:
            await self.written_all()

    async def written_all(self) -> None:
        """Wait for the blocks under way, all of them; then the error of one that failed."""
        if not self.writing:
            return
        await asyncio.wait(self.writing)  # kept in ``writing`` until done, for ``_abandon``
        writing, self.writing = self.writing, []
        for future in writing:
            if (error := future.exception()) is not None:
                raise error

    def _write(self, block: bytes) -> None:
        if self.out is not None and block:
            self.out.write(block)
            if self.digest is not None:
                self.digest.update(block)

    def _count(self, block: bytes, last: bool) -> None:
        self.rows.feed(block)
        if last and self.out is not None:
            self.counted = self.rows.finish()


async def read_file_part(
    request: Request, limit: int, directory: Path, *, hashed: bool = True
) -> FilePart:
    """The body's ``file`` part, in a new file in ``directory`` (the caller removes it);
    ``FileTooLarge`` as soon as it passes ``limit`` bytes. ``hashed``: its ``sha256`` is
    taken (else it is left empty)."""
    ctype = request.headers.get("content-type", "")
    _, options = parse_options_header(ctype)
    boundary = options.get(b"boundary")
    if not ctype.startswith("multipart/form-data") or not boundary:
        raise FileFormatInvalid("The upload must be multipart/form-data with a part named file.")
    reader = _Reader(directory, digest=hashlib.sha256() if hashed else None)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    try:
        async for block in request.stream():
            parser.write(block)
            if reader.received > limit:
                raise FileTooLarge()
            if reader.pending_size >= WRITE_BLOCK:
                await reader.write_behind()
        parser.finalize()
        await reader.write_behind(last=True)
        if reader.out is not None:
            reader.out.flush()  # kept open: it holds the part's lock
    except (MultipartParseError, ClientDisconnect) as exc:
        await _abandon(reader)
        raise FileFormatInvalid(f"The multipart body cannot be read: {exc}") from None
    except BaseException:
        await _abandon(reader)
        raise
    if not reader.ended or reader.current is not None:
        await _abandon(reader)
        raise FileFormatInvalid("The multipart body ends before its closing boundary.")
    if reader.found is None:
        await _abandon(reader)
        raise MandatoryNotFound.at("file", "file", "The multipart part named file is missing.")
    reader.found.sha256 = reader.digest.hexdigest() if reader.digest is not None else ""
    reader.found.counted = reader.counted
    return reader.found


async def _abandon(reader: _Reader) -> None:
    """Remove the part's file once the blocks under way, if any, are done (the answer waits
    for them; if the request is cancelled meanwhile, the file goes when they are done)."""
    writing, reader.writing = reader.writing, []
    under_way = [future for future in writing if not future.done()]
    if not under_way:
        _close(reader, writing)
        return
    gathered = asyncio.gather(*writing, return_exceptions=True)
    gathered.add_done_callback(lambda _: _close(reader, writing))
    await asyncio.wait([gathered])


def _close(reader: _Reader, writing: list[asyncio.Future[None]]) -> None:
    for future in writing:
        if not future.cancelled():
            future.exception()  # retrieved: the error that ended the upload is raised instead
    for part in (reader.current, reader.found):
        if part is not None:
            part.path.unlink(missing_ok=True)
            part.release()
    if reader.out is not None:
        reader.out.close()
