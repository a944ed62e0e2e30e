"""Jobs read their first chunks ramped (``csvsource.ramped``): converted in the converter
process or on a thread, the same rows come out in chunks of 1/8, 1/4 and the rest of the chunk
size, then whole chunks; a job's counts and results are those of fixed chunks, and a dry run
says what the real run then does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bulkwrite.services.create_job import create_job
from bulkwrite.services.run.load import load_run, source_path
from bulkwrite.services.run.runner import prepared_chunks
from tests.contract.conftest import make_harness, waiting_harness
from tests.contract.harness import Harness, counts

ROWS, CHUNK = 20_000, 8000
TEXT = "Last_Name,Company,Email\n" + "".join(
    f"L{i},Co{i},l{i}@{'x' if i % 9 == 4 else 'x.example'}\n" for i in range(ROWS)
)
BAD = sum(1 for i in range(ROWS) if i % 9 == 4)


@pytest.fixture(params=[True, False], ids=["process", "thread"])
def convert_process(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def harness(tmp_path: Path, convert_process: bool) -> Iterator[Harness]:
    made = make_harness(tmp_path, "sqlite", chunk_size=CHUNK, convert_process=convert_process)
    try:
        yield made
    finally:
        made.worker.stop()
        made.services.store.close()


def test_the_first_chunks_are_ramped_from_any_chunk_end(
    tmp_path: Path, convert_process: bool
) -> None:
    with waiting_harness(
        tmp_path, "sqlite", chunk_size=CHUNK, convert_process=convert_process
    ) as h:
        body = {
            "operation": "insert",
            "resource": [
                {"type": "data", "module": {"api_name": "Leads"}, "file_id": h.upload(TEXT)}
            ],
        }
        job = create_job(h.services, h.principal, body)
        run, path = load_run(h.services, job), source_path(h.services, job)
        whole = [
            (c.size, c.values["Last_Name"][0]) for c in prepared_chunks(h.services, run, path, 0)
        ]
        assert whole == [
            (1000, "L0"),
            (2000, "L1000"),
            (5000, "L3000"),
            (8000, "L8000"),
            (4000, "L16000"),
        ]
        resumed = [c.size for c in prepared_chunks(h.services, run, path, 3000)]
        assert resumed == [5000, 8000, 4000]


def test_a_ramped_job_writes_every_row_once_in_order(harness: Harness) -> None:
    details = harness.job(TEXT, "Leads")
    assert details["status"] == "COMPLETED"
    assert counts(details) == (ROWS - BAD, 0, BAD, ROWS)
    with harness.services.store.transaction(write=False) as tx:
        job = tx.get_job(details["id"])
    assert job is not None and job.chunks_done == 5
    rows = harness.result_rows(details)
    assert [r["Last_Name"] for r in rows] == [f"L{i}" for i in range(ROWS)]
    names = sorted(str(r["Last_Name"]) for r in harness.records("Leads", "Last_Name"))
    assert len(names) == ROWS - BAD == len(set(names))


def test_a_ramped_dry_run_says_what_the_run_does(harness: Harness) -> None:
    file_id = harness.upload(TEXT + "".join(f"L{i},Co{i},l{i}@x.example\n" for i in range(3)))
    body = {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }
    dry = harness.run({**body, "dry_run": True})
    real = harness.run(body)
    assert counts(dry) == counts(real)
    assert [r["STATUS"] for r in harness.result_rows(dry)] == [
        r["STATUS"] for r in harness.result_rows(real)
    ]
