"""The converter process beside the worker: its chunks are the in-thread ones, and the job goes
on if it dies (``services/run/converter.py``, ``runner.prepared_chunks``)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import struct
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from bulkwrite.errors import ConverterLost
from bulkwrite.services.collaborators import Services
from bulkwrite.services.create_job import create_job
from bulkwrite.services.run.converter import busy_pids, idle_processes, receive
from bulkwrite.services.run.load import JobRun, load_run, source_path
from bulkwrite.services.run.runner import prepared_chunks
from tests.contract.conftest import waiting_harness
from tests.contract.harness import Harness

#: Chunks of 1,000 rows: each more than a pipe holds, so the child is always mid-file.
ROWS, CHUNK = 6000, 1000


@pytest.fixture
def waiting(tmp_path: Path) -> Iterator[Harness]:
    """A SQLite harness whose jobs wait for the test."""
    with waiting_harness(tmp_path, "sqlite", chunk_size=CHUNK, convert_process=True) as made:
        yield made


def _run(h: Harness) -> tuple[Services, JobRun, Path]:
    text = "Last_Name,Company,Email\n" + "".join(
        f"L{i},Co{i},l{i}@{'x' if i % 9 == 4 else 'x.example'}\n" for i in range(ROWS)
    )
    body = {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": h.upload(text)}],
    }
    job = create_job(h.services, h.principal, body)
    return h.services, load_run(h.services, job), source_path(h.services, job)


def _summary(chunks: Iterator[object]) -> list[tuple[int, list[object], list[bool]]]:
    return [
        (c.size, c.values["Last_Name"].to_list(), c.ok().to_list())  # type: ignore[attr-defined]
        for c in chunks
    ]


def test_the_process_converts_as_a_thread_does_from_any_row(waiting: Harness) -> None:
    services, run, path = _run(waiting)
    in_process = _summary(prepared_chunks(services, run, path, 1500))
    services.settings.convert_process = False
    on_thread = _summary(prepared_chunks(services, run, path, 1500))
    assert in_process == on_thread
    assert [size for size, _, _ in in_process] == [1000] * 4 + [500]
    assert in_process[0][1][0] == "L1500"
    assert sum(ok.count(False) for _, _, ok in in_process) == 500  # every 9th row: a bad Email


def test_a_converter_killed_mid_job_is_replaced_by_a_thread(waiting: Harness) -> None:
    services, run, path = _run(waiting)
    chunks = prepared_chunks(services, run, path, 0)
    first = next(chunks)
    (pid,) = busy_pids()
    os.kill(pid, signal.SIGKILL)
    rest = list(chunks)
    names = [n for c in (first, *rest) for n in c.values["Last_Name"].to_list()]
    assert names == [f"L{i}" for i in range(ROWS)]  # every row once, in order


#: What converting must never import: the CLI, the API and its server, the store, HTTP.
FORBIDDEN = ("bulkwrite.cli", "bulkwrite.api", "bulkwrite.store", "fastapi", "uvicorn", "httpx")


def test_the_converter_imports_only_the_importer_and_serves_job_after_job(
    waiting: Harness,
) -> None:
    services, run, path = _run(waiting)
    first = _summary(prepared_chunks(services, run, path, 0))
    (process,) = idle_processes()  # the job's process is back, waiting for the next one
    pid, modules = process.status()
    assert pid == process.pid
    assert [m for m in modules if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)] == []
    assert "bulkwrite.services.run.convertchild" in modules
    assert "bulkwrite.importer.vector" in modules
    chunks = prepared_chunks(services, run, path, 0)
    second = [next(chunks)]
    assert busy_pids() == [pid]  # the second job reuses the same process
    second += list(chunks)
    assert _summary(iter(second)) == first
    assert [p.pid for p in idle_processes()] == [pid]


def test_a_job_given_up_halfway_does_not_leave_its_process_to_the_next(waiting: Harness) -> None:
    services, run, path = _run(waiting)
    chunks = prepared_chunks(services, run, path, 0)
    next(chunks)
    (pid,) = busy_pids()
    chunks.close()  # the writer stopped (a failed or cancelled job): that process is killed
    assert busy_pids() == []
    assert pid not in [p.pid for p in idle_processes()]
    assert len(_summary(prepared_chunks(services, run, path, 0))) == ROWS // CHUNK


def _die_halfway_through_a_message(sending: Connection) -> None:
    """Begin a 1 MiB message as ``send_bytes`` frames it (a 4-byte big-endian length, then the
    bytes), write part of it, and die by SIGKILL as a converter killed while sending does."""
    os.write(sending.fileno(), struct.pack("!i", 1024 * 1024) + b"C" + bytes(1000))
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_converter_killed_while_sending_a_chunk_is_lost_not_an_error() -> None:
    """A child killed halfway through a message leaves the worker an OSError ("got end of file
    during message"), not an EOFError: both mean the converter is lost."""
    ctx = multiprocessing.get_context("fork")
    receiving, sending = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_die_halfway_through_a_message, args=(sending,), daemon=True)
    child.start()
    sending.close()
    child.join()
    assert child.exitcode == -signal.SIGKILL
    try:
        with pytest.raises(ConverterLost):
            receive(receiving)
    finally:
        receiving.close()
