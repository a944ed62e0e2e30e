"""Reading and converting a job's chunks in a converter process, one chunk ahead of the writer.

The worker's thread writes chunk *n* while a converter process parses and converts chunk
*n* + 1, so the two run on two cores rather than taking turns with one GIL — and the API, when
the worker lives in its process, keeps the GIL to itself far more. The converter processes are
small interpreters (``convertchild.py``: the importer, not the CLI, the API or the store),
started once — one at worker start, more as jobs run side by side — and kept: each job takes an
idle one, sends it its ``Task`` (the compiled plan and the file's path; no database needed) and
gives it back when its last chunk has come. A process whose job stopped reading halfway (a
failed or cancelled job) is killed and replaced, never reused mid-file.

Each chunk comes back through a pipe as Arrow IPC (``files/chunkfile.py``); a pipe holds far
less than a chunk, so the process is at most one chunk ahead. An error while reading comes back
as itself and is raised in the worker, after the chunks before it, as when reading in-process.
A process that dies is ``ConverterLost``: the caller goes on on a thread.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import bulkwrite
from bulkwrite.errors import ConverterLost
from bulkwrite.files import chunkfile
from bulkwrite.files.csvsource import CsvDialect
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.services.run.convertchild import CHUNK, ERROR, STATUS, STATUS_REQUEST, Task
from bulkwrite.services.run.load import JobRun

log = logging.getLogger(__name__)
#: Why converter processes cannot be had here, once that is known.
_unavailable: list[str] = []
_lock = threading.Lock()


@dataclass(eq=False)
class ConverterProcess:
    """One converter process and this side's ends of its two pipes."""

    popen: subprocess.Popen[bytes]
    tasks: Connection  # to the process: a pickled Task (or the status request)
    chunks: Connection  # from it: CHUNK / ERROR / DONE (/ STATUS) messages

    @property
    def pid(self) -> int:
        return self.popen.pid

    def status(self) -> tuple[int, list[str]]:
        """The process's own pid and the modules it has imported (it must be idle)."""
        self.tasks.send_bytes(STATUS_REQUEST)
        message = receive(self.chunks)
        if message[:1] != STATUS:
            raise ConverterLost("The converter process answered out of turn.")
        pid, modules = pickle.loads(message[1:])
        return int(pid), list(modules)

    def stop(self) -> None:
        """Close the pipes (an idle process then ends by itself) and make sure it has ended."""
        self.tasks.close()
        self.chunks.close()
        try:
            self.popen.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


_idle: list[ConverterProcess] = []
_busy: list[ConverterProcess] = []


def _launch() -> ConverterProcess:
    """Start a converter process: ``python -c`` of ``convertchild.serve`` over two pipes."""
    task_r, task_w = os.pipe()
    chunk_r, chunk_w = os.pipe()
    code = f"from bulkwrite.services.run.convertchild import serve; serve({task_r}, {chunk_w})"
    root = str(Path(bulkwrite.__file__).resolve().parent.parent)
    paths = [root, *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))  # the same bulkwrite as here
    try:
        popen = subprocess.Popen(
            [sys.executable, "-c", code],
            pass_fds=(task_r, chunk_w),
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a Ctrl-C of the server's terminal is the server's to handle
        )
    except OSError:
        os.close(task_w)
        os.close(chunk_r)
        raise
    finally:
        os.close(task_r)
        os.close(chunk_w)
    return ConverterProcess(
        popen, Connection(task_w, readable=False), Connection(chunk_r, writable=False)
    )


def start_converters() -> None:
    """Start a converter process now (at worker start) rather than with the first job, so the
    first job finds it warm. If none can start, jobs convert on a thread, as with
    ``convert_process`` off."""
    with _lock:
        if _idle or _unavailable:
            return
        try:
            _idle.append(_launch())
        except OSError as exc:
            _unavailable.append(str(exc))
            log.warning("no converter processes (%s): chunks are converted on a thread", exc)


#: The name the workers call at start (from when the processes came from a forkserver).
start_forkserver = start_converters


def available() -> bool:
    """False once starting converter processes has failed in this process."""
    return not _unavailable


def busy_pids() -> list[int]:
    """The pids of the converter processes converting a job now."""
    with _lock:
        return [p.pid for p in _busy]


def idle_processes() -> list[ConverterProcess]:
    """The converter processes waiting for a job."""
    with _lock:
        return list(_idle)


def _acquire() -> ConverterProcess:
    with _lock:
        while _idle:
            process = _idle.pop()
            if process.popen.poll() is None:
                _busy.append(process)
                return process
            process.stop()
        try:
            process = _launch()
        except OSError as exc:  # no processes to be had: the caller converts on a thread
            _unavailable.append(str(exc))
            raise ConverterLost(f"The converter process could not start: {exc}") from exc
        _busy.append(process)
        return process


def _release(process: ConverterProcess, reusable: bool) -> None:
    with _lock:
        _busy.remove(process)
        if reusable:
            _idle.append(process)
            return
    process.popen.kill()
    process.stop()
    start_converters()  # a fresh one for the next job, starting while this one finishes


def converted_chunks(
    run: JobRun, path: Path, dialect: CsvDialect, size: int, first_row: int
) -> Iterator[PreparedChunk]:
    """The prepared chunks of the file from ``first_row`` on, converted in a converter process."""
    task = Task(
        run.plan, run.job.spec.ignore_empty, run.max_rows, str(path), dialect, size, first_row
    )
    process = _acquire()
    finished = False
    try:
        try:
            process.tasks.send_bytes(pickle.dumps(task))
        except OSError:
            raise ConverterLost() from None
        while True:
            message = receive(process.chunks)
            kind, body = message[:1], message[1:]
            if kind == CHUNK:
                yield chunkfile.decode_prepared(body)
                continue
            finished = True
            if kind == ERROR:
                raise pickle.loads(body)
            return
    finally:
        _release(process, finished)


def receive(receiving: Connection) -> bytes:
    """The process's next message; ``ConverterLost`` if it died before sending it (EOFError)
    or while sending it (OSError: "got end of file during message")."""
    try:
        return receiving.recv_bytes()
    except (EOFError, OSError):
        raise ConverterLost() from None


@atexit.register
def _stop_all() -> None:
    with _lock:
        processes = _idle + _busy
        _idle.clear()
        _busy.clear()
    for process in processes:
        process.stop()
