"""A job that has not ended (beyond-zoho.md §5), on both stores: its retry is refused and
nothing made; it has no errors or failed rows yet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest

from bulkwrite.errors import NotAllowed, ResourceNotFound
from bulkwrite.services.create_job import create_job
from bulkwrite.services.failed_rows import failed_rows_zip
from bulkwrite.services.job_errors import job_errors
from bulkwrite.services.retry_job import retry_job
from bulkwrite.services.run.runner import run_job, start_job
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
        with pytest.raises(ResourceNotFound):  # no result yet: no errors, no failed rows
            job_errors(harness.services, harness.principal, job.id, None, None)
        with pytest.raises(ResourceNotFound):
            failed_rows_zip(harness.services, harness.principal, job.id)


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
