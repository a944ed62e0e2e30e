"""The converter process beside the worker: its chunks are the in-thread ones, and the job goes
on if it dies (``services/convert_process.py``, ``runner.prepared_chunks``)."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulkwrite.services.collaborators import Services
from bulkwrite.services.create_job import create_job
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
    (child,) = [p for p in multiprocessing.active_children() if p.name.startswith("convert-")]
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    rest = list(chunks)
    names = [n for c in (first, *rest) for n in c.values["Last_Name"].to_list()]
    assert names == [f"L{i}" for i in range(ROWS)]  # every row once, in order
