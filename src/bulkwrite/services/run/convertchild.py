"""The converter process itself: a small interpreter that reads and converts chunks, job after job.

Started once (``python -c`` of ``serve`` below, by ``converter.py``) and kept: a job sends its
``Task`` over the task pipe and gets its chunks back over the chunk pipe as Arrow IPC, then
``DONE`` (or ``ERROR`` and the pickled exception), and the process waits for the next job. It
imports only what converting needs — the importer, the CSV reader, the chunk codec — never the
CLI, the API, the store or an HTTP client (a test asserts the module set), so it starts in the
time polars takes to import, once per worker rather than once per job.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import polars as pl

from bulkwrite.domain.outcome import RowCode
from bulkwrite.errors import BulkWriteError
from bulkwrite.files.chunkfile import encode_prepared
from bulkwrite.files.csvsource import CsvDialect, CsvSource, ramped
from bulkwrite.importer.chunk import PreparedChunk, RawChunk, prepare_chunk
from bulkwrite.importer.plan import MappingPlan

log = logging.getLogger(__name__)
CHUNK, ERROR, DONE, STATUS = b"C", b"E", b"D", b"S"


@dataclass(frozen=True, slots=True)
class Task:
    """One job's reading: what the converter process needs of it, and nothing of the store."""

    plan: MappingPlan
    ignore_empty: bool
    max_rows: int
    path: str
    dialect: CsvDialect
    size: int
    first_row: int


#: The request for ``STATUS``: the process's pid and imported modules (for tests and checks).
STATUS_REQUEST = b"status"


def prepare_cells(
    plan: MappingPlan,
    ignore_empty: bool,
    max_rows: int,
    first_row: int,
    cells: list[list[str]] | RawChunk,
) -> PreparedChunk:
    """The pure part of a chunk (cell conversion), done before its transaction opens; rows
    beyond the job's ``max_rows`` are flagged LIMIT_EXCEEDED."""
    chunk = prepare_chunk(cells, plan, ignore_empty)
    over = max(0, first_row + chunk.size - max_rows)
    if over:
        beyond = [i >= chunk.size - over for i in range(chunk.size)]
        chunk.flag(RowCode.LIMIT_EXCEEDED, plan.module.api_name, pl.Series(beyond))
    return chunk


def convert(task: Task, out: Connection) -> None:
    """Read, convert and send each chunk of ``task``; then DONE, or the error that stopped the
    reading (raised in the worker, after the chunks before it, as when reading there)."""
    first_row = task.first_row
    try:
        with CsvSource(Path(task.path), task.dialect) as source:
            chunks = source.raw_chunks(ramped(task.size), task.plan.width, skip=first_row)
            for cells in chunks:
                chunk = prepare_cells(task.plan, task.ignore_empty, task.max_rows, first_row, cells)
                out.send_bytes(CHUNK + encode_prepared(chunk))
                first_row += cells.size
        out.send_bytes(DONE)
    except (BrokenPipeError, ConnectionResetError):
        raise
    except Exception as exc:
        out.send_bytes(ERROR + pickled(exc))


def pickled(exc: Exception) -> bytes:
    """``exc`` pickled, or a plain BulkWriteError when it does not survive the round trip."""
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
    except Exception:
        log.exception("converting rows failed")
        data = pickle.dumps(BulkWriteError())
    return data


def serve(tasks_fd: int, chunks_fd: int) -> None:
    """The process's loop: a task in, its chunks out, until the worker closes the task pipe
    (or stops reading chunks: it has gone, or given the job up, and this process with it)."""
    tasks = Connection(tasks_fd, writable=False)
    out = Connection(chunks_fd, readable=False)
    try:
        while True:
            try:
                message = tasks.recv_bytes()
            except (EOFError, OSError):
                return
            if message == STATUS_REQUEST:
                out.send_bytes(STATUS + pickle.dumps((os.getpid(), sorted(sys.modules))))
                continue
            convert(pickle.loads(message), out)
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        tasks.close()
        out.close()
