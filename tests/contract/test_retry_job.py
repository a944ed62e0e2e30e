"""A job that has not ended (beyond-zoho.md §5), on both stores: its retry is refused and
nothing made; it has no errors or failed rows yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkwrite.errors import NotAllowed, ResourceNotFound
from bulkwrite.services.create_job import create_job
from bulkwrite.services.failed_rows import failed_rows_zip
from bulkwrite.services.job_errors import job_errors
from bulkwrite.services.retry_job import retry_job
from bulkwrite.services.run.runner import start_job
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
