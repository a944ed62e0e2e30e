"""A job split across workers, its chunk tasks run by hand in any order, over every store.

``services/split_run.py``: chunks are converted in whatever order workers take them and written
in input order; the counts only ever show written chunks; a run after one whose tasks were lost
converts what is left; a file of one chunk is written at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulkwrite.domain.job import JobStatus
from bulkwrite.files import chunkfile
from bulkwrite.services.create_job import create_job
from bulkwrite.services.run.split import prepare_chunk, run_split
from tests.contract.conftest import waiting_harness
from tests.contract.harness import Harness, counts

# Ten rows in chunks of three: 0-2, 3-5, 6-8, 9. Row 9 repeats row 1's Email; row 4 is bad.
ROWS = [f"L{i},Co{i},l{i}@x.example" for i in range(10)]
ROWS[4] = "L4,,l4@x.example"
ROWS[9] = "L9,Co9,l1@x.example"
CSV = "Last_Name,Company,Email\n" + "\n".join(ROWS) + "\n"


@pytest.fixture
def split(tmp_path: Path, store_kind: str, database_url: str) -> Iterator[Harness]:
    """A harness whose jobs wait for the test to run their tasks."""
    with waiting_harness(tmp_path, store_kind, database_url, chunk_size=3) as made:
        yield made


def _create(h: Harness, text: str) -> str:
    file_id = h.upload(text)
    body = {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }
    return create_job(h.services, h.principal, body).id


def _state(h: Harness, job_id: str) -> tuple[str, tuple[int, int, int, int]]:
    details: dict[str, Any] = h.run_details(job_id)
    return details["status"], counts(details)


def test_chunks_converted_out_of_order_are_written_in_input_order(split: Harness) -> None:
    job_id = _create(split, CSV)
    assert run_split(split.services, job_id) is JobStatus.INPROGRESS
    with split.services.store.transaction(write=False) as tx:
        plans = tx.chunk_plans(job_id)
    assert [(p.first_row, p.rows, p.prepared) for p in plans] == [
        (0, 3, False),
        (3, 3, False),
        (6, 3, False),
        (9, 1, False),
    ]
    prepare_chunk(split.services, job_id, 3)  # the last chunk first, then the second
    prepare_chunk(split.services, job_id, 1)
    assert _state(split, job_id) == ("INPROGRESS", (0, 0, 0, 0))
    prepare_chunk(split.services, job_id, 0)  # writes chunks 0 and 1
    assert _state(split, job_id) == ("INPROGRESS", (5, 0, 1, 6))
    prepare_chunk(split.services, job_id, 2)  # writes 2 and 3, then finishes
    details = split.run_details(job_id)
    assert (details["status"], counts(details)) == ("COMPLETED", (8, 0, 2, 10))
    rows = split.result_rows(details)
    assert [r["STATUS"] for r in rows] == ["ADDED"] * 4 + ["SKIPPED"] + ["ADDED"] * 4 + ["SKIPPED"]
    # First row wins: row 9 lost to row 1 though its chunk was converted before row 1's.
    assert rows[9]["ERRORS"] == "DUPLICATE_DATA-Email"
    assert rows[4]["ERRORS"] == "MANDATORY_NOT_FOUND-Company"
    assert [r["Email"] for r in split.records("Leads", "Email")] == [
        f"l{i}@x.example" for i in range(9) if i != 4
    ]
    with split.services.store.transaction(write=False) as tx:
        assert tx.chunk_plans(job_id) == []
    assert not split.services.files.exists(chunkfile.prepared_key(job_id, 3))


def test_a_run_after_lost_tasks_converts_what_is_left(split: Harness) -> None:
    job_id = _create(split, CSV)
    run_split(split.services, job_id)
    prepare_chunk(split.services, job_id, 2)  # the other chunks' tasks are lost
    assert _state(split, job_id) == ("INPROGRESS", (0, 0, 0, 0))
    assert run_split(split.services, job_id) is JobStatus.COMPLETED
    assert _state(split, job_id) == ("COMPLETED", (8, 0, 2, 10))
    prepare_chunk(split.services, job_id, 1)  # a lost task delivered after all: no change
    assert _state(split, job_id) == ("COMPLETED", (8, 0, 2, 10))
    assert len(split.records("Leads")) == 8


def test_a_file_of_one_chunk_is_written_at_once(split: Harness) -> None:
    job_id = _create(split, "Last_Name,Company\nA,B\nC,D\n")
    assert run_split(split.services, job_id) is JobStatus.COMPLETED
    assert _state(split, job_id) == ("COMPLETED", (2, 0, 0, 2))
    with split.services.store.transaction(write=False) as tx:
        assert tx.chunk_plans(job_id) == []
    assert run_split(split.services, job_id) is JobStatus.COMPLETED  # delivered again


def test_an_unreadable_row_fails_the_job_after_the_chunks_before_it(split: Harness) -> None:
    text = b"Last_Name,Company\n" + b"".join(b"N%d,Co\n" % i for i in range(7)) + b"Bad\xff,Co\n"
    file_id = split.upload(text)
    body = {
        "operation": "insert",
        "character_encoding": "ascii",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }
    job_id = create_job(split.services, split.principal, body).id
    run_split(split.services, job_id)
    assert _state(split, job_id) == ("INPROGRESS", (0, 0, 0, 0))
    prepare_chunk(split.services, job_id, 1)
    prepare_chunk(split.services, job_id, 0)
    details = split.run_details(job_id)
    assert (details["status"], counts(details)) == ("FAILED", (6, 0, 0, 6))
    assert details["resource"][0]["error"]["code"] == "INVALID_DATA"
    statuses = [r["STATUS"] for r in split.result_rows(details)]
    assert statuses == ["ADDED"] * 6 + ["UNPROCESSED"] * 2
