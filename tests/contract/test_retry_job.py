"""Retries and jobs not ended (beyond-zoho.md §5), on both stores: the retry of a job not ended
is refused and nothing made; its errors and failed rows are those of its committed chunks; a
retry and its link commit together."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest

from bulkwrite.domain.job import JobStatus
from bulkwrite.errors import NotAllowed
from bulkwrite.services.create_job import create_job
from bulkwrite.services.failed_rows import failed_rows_file
from bulkwrite.services.job_errors import job_errors
from bulkwrite.services.retry_job import retry_job
from bulkwrite.services.run.runner import run_job, start_job
from bulkwrite.services.run.split import prepare_chunk, run_split
from bulkwrite.store.base import Store, Tx
from tests.contract.conftest import waiting_harness


def test_retry_of_a_job_waiting_or_running_is_not_allowed(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        file_id = harness.upload("Last_Name,Company\n,Acme\n")
        body = {
            "operation": "insert",
            "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
        }
        job = create_job(harness.services, harness.principal, body)
        with pytest.raises(NotAllowed) as caught:
            retry_job(harness.services, harness.principal, job.id, None)
        assert caught.value.code == "NOT_ALLOWED" and caught.value.http_status == 400
        start_job(harness.services, job.id)
        with pytest.raises(NotAllowed):
            retry_job(harness.services, harness.principal, job.id, {"rows": ["SKIPPED"]})
        with harness.services.store.transaction(write=False) as tx:
            assert tx.retry_links(job.id) == (None, [])
        # no chunk committed yet: no errors so far, and the answer says the job runs
        page = job_errors(harness.services, harness.principal, job.id, None, None)
        assert page["errors"] == [] and page["info"]["complete"] is False
        assert page["info"]["job_status"] == "INPROGRESS"


def _failed_rows(path: Path) -> list[list[str]]:
    with zipfile.ZipFile(path) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode("utf-8")
    path.unlink()
    return list(csv.reader(io.StringIO(text, newline="")))


def test_errors_and_failed_rows_of_a_running_job_are_those_committed_so_far(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    """Beyond-zoho.md section 5 names no state for the errors: while the job runs they are
    the rows of its committed chunks, and the answer says the job is still running."""
    with waiting_harness(tmp_path, store_kind, database_url, chunk_size=3) as harness:
        rows = ["A,Co", ",Co", "C,Co", "D,Co", ",Co", "F,Co", "G,Co"]  # rows 2 and 5 lack a name
        file_id = harness.upload("Last_Name,Company\n" + "\n".join(rows) + "\n")
        body = {
            "operation": "insert",
            "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
        }
        job = create_job(harness.services, harness.principal, body)
        run_split(harness.services, job.id)  # planned in 3 chunks, none converted yet
        prepare_chunk(harness.services, job.id, 0)  # the first chunk written: rows 1-3
        page = job_errors(harness.services, harness.principal, job.id, None, None)
        assert [(e["row"], e["status"]) for e in page["errors"]] == [(2, "SKIPPED")]
        assert page["info"]["job_status"] == "INPROGRESS" and page["info"]["complete"] is False
        assert page["info"]["total_rows"] == 1 and "still running" in page["message"]
        assert page["summary"] == [
            {"code": "MANDATORY_NOT_FOUND", "column": "Last_Name", "count": 1}
        ]
        path, seen = failed_rows_file(harness.services, harness.principal, job.id)
        assert seen.status is JobStatus.INPROGRESS
        failed = _failed_rows(path)
        assert [r[:4] for r in failed] == [
            ["Last_Name", "Company", "ROW_NUMBER", "STATUS"],
            ["", "Co", "2", "SKIPPED"],
        ]
        for chunk_no in (1, 2):
            prepare_chunk(harness.services, job.id, chunk_no)
        done = job_errors(harness.services, harness.principal, job.id, None, None)
        assert [e["row"] for e in done["errors"]] == [2, 5]
        assert done["info"]["complete"] is True and "message" not in done
        path, seen = failed_rows_file(harness.services, harness.principal, job.id)
        assert seen.status is JobStatus.COMPLETED
        assert [r[2] for r in _failed_rows(path)[1:]] == ["2", "5"]


class _LinkFails:
    """A store whose transactions fail at the retry link, as a crash there would."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Any]:
        with self._store.transaction(write) as tx:
            yield _FailingTx(tx)


class _FailingTx:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    def insert_retry(self, job_id: str, retry_of: str) -> None:
        raise RuntimeError("cut off before the link")


def test_a_retry_and_its_link_commit_together(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    """The link is written in the new job's transaction: when it fails, no retry job is left
    behind without its ``retry_of``."""
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        file_id = harness.upload("Last_Name,Company\n,Acme\nDoe,Acme\n")
        body = {
            "operation": "insert",
            "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
        }
        job = create_job(harness.services, harness.principal, body)
        run_job(harness.services, job.id)
        org = harness.principal.org.id
        real = harness.services.store
        harness.services.store = cast(Store, _LinkFails(real))
        with pytest.raises(RuntimeError, match="cut off"):
            retry_job(harness.services, harness.principal, job.id, None)
        harness.services.store = real
        with real.transaction(write=False) as tx:
            assert tx.count_open_jobs(org) == 0  # no job without its link
            assert tx.retry_links(job.id) == (None, [])
        new = retry_job(harness.services, harness.principal, job.id, None)
        with real.transaction(write=False) as tx:
            assert tx.count_open_jobs(org) == 1
            assert tx.retry_links(new.id) == (job.id, [])
            assert tx.retry_links(job.id) == (None, [new.id])
