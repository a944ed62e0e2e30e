"""Reading and converting a job's chunks in a child process, one chunk ahead of the writer.

The worker's thread writes chunk *n* while a child process parses and converts chunk *n* + 1,
so the two run on two cores rather than taking turns with one GIL — and the API, when the
worker lives in its process, keeps the GIL to itself far more. The child is forked from a
forkserver that has the importer already imported (a few milliseconds, not a fresh
interpreter); it needs no database: it gets the job's compiled plan and the file's path.

Each chunk comes back through a pipe as Arrow IPC (``files/chunkfile.py``); a pipe holds far
less than a chunk, so the child is at most one chunk ahead. An error while reading comes back
as itself and is raised in the worker, after the chunks before it, as when reading in-process.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import pickle
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from pathlib import Path

from bulkwrite.errors import BulkWriteError, ConverterLost
from bulkwrite.files import chunkfile
from bulkwrite.files.csvsource import CsvDialect, CsvSource
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.services.run.chunk_writer import prepare
from bulkwrite.services.run.load import JobRun

log = logging.getLogger(__name__)
CHUNK, ERROR, DONE = b"C", b"E", b"D"
#: What the forkserver imports once, so that each child starts warm.
PRELOAD = ["bulkwrite.services.run.converter"]
#: Why converter processes cannot be had here, once that is known.
_unavailable: list[str] = []


@functools.cache
def context() -> ForkServerContext:
    """The forkserver context (started at first use, or by ``start_forkserver``)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start_forkserver() -> None:
    """Start the forkserver now (at worker start) rather than with the first job. If it cannot
    start (its socket's path under ``TMPDIR`` too long, no processes to be had), jobs convert
    on a thread, as with ``convert_process`` off."""
    from multiprocessing import forkserver

    context()
    try:
        forkserver.ensure_running()
    except OSError as exc:
        _unavailable.append(str(exc))
        log.warning("no converter processes (%s): chunks are converted on a thread", exc)


def available() -> bool:
    """False once starting converter processes has failed in this process."""
    return not _unavailable


def converted_chunks(
    run: JobRun, path: Path, dialect: CsvDialect, size: int, first_row: int
) -> Iterator[PreparedChunk]:
    """The prepared chunks of the file from ``first_row`` on, converted in a child process."""
    ctx = context()
    receiving, sending = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_produce,
        args=(run, str(path), dialect, size, first_row, sending),
        name=f"convert-{run.job.id}",
        daemon=True,
    )
    try:
        child.start()
    except OSError as exc:  # no processes to be had: the caller converts on a thread
        sending.close()
        receiving.close()
        _unavailable.append(str(exc))
        raise ConverterLost(f"The converter process could not start: {exc}") from exc
    sending.close()
    try:
        while True:
            message = receive(receiving)
            kind, body = message[:1], message[1:]
            if kind == CHUNK:
                yield chunkfile.decode_prepared(body)
            elif kind == ERROR:
                raise pickle.loads(body)
            else:
                return
    finally:
        receiving.close()  # a child still converting fails its next send and ends
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join()


def receive(receiving: Connection) -> bytes:
    """The child's next message; ``ConverterLost`` if it died before sending it (EOFError) or
    while sending it (OSError: "got end of file during message")."""
    try:
        return receiving.recv_bytes()
    except (EOFError, OSError):
        raise ConverterLost() from None


def _produce(
    run: JobRun, path: str, dialect: CsvDialect, size: int, first_row: int, out: Connection
) -> None:
    """In the child: read, convert and send each chunk; then DONE, or the error that stopped
    the reading."""
    try:
        with CsvSource(Path(path), dialect) as source:
            for cells in source.raw_chunks(size, run.plan.width, skip=first_row):
                chunk = prepare(run, first_row, cells)
                out.send_bytes(CHUNK + chunkfile.encode_prepared(chunk))
                first_row += cells.size
        out.send_bytes(DONE)
    except (BrokenPipeError, ConnectionResetError):
        return  # the worker stopped listening: nothing left to do
    except Exception as exc:  # raised in the worker, as it would have been there
        out.send_bytes(ERROR + _pickled(exc))
    finally:
        out.close()


def _pickled(exc: Exception) -> bytes:
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
    except Exception:
        log.exception("converting rows failed")
        data = pickle.dumps(BulkWriteError())
    return data
