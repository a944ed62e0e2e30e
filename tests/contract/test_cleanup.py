"""Results are kept for ``result_ttl_days``, then forgotten and deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bulkwrite.clock import now
from bulkwrite.errors import ResourceNotFound
from bulkwrite.services.results.assemble import result_key
from bulkwrite.services.results.download import open_result
from bulkwrite.services.results.expiry import sweep_expired_results
from tests.contract.harness import Harness


def test_expired_results_are_forgotten_then_deleted(harness: Harness) -> None:
    details = harness.job("Last_Name,Company\nA,Co\n", "Leads")
    job_id = details["id"]
    files = harness.services.files
    assert files.exists(result_key(job_id))
    assert sweep_expired_results(harness.services) == []  # a fresh result stays
    later = now() + timedelta(days=harness.services.settings.result_ttl_days, seconds=1)
    assert sweep_expired_results(harness.services, at=later) == [job_id]
    assert not files.exists(result_key(job_id))
    assert "result" not in harness.run_details(job_id)
    with pytest.raises(ResourceNotFound):
        open_result(
            harness.services, harness.principal, harness.org.org.zgid, job_id, f"{job_id}.zip"
        )
    assert sweep_expired_results(harness.services, at=later) == []


def test_stale_temp_files_are_swept_fresh_ones_kept(harness: Harness) -> None:
    import os

    from bulkwrite.services.uploads import sweep_stale_temp_files

    tmp = harness.services.files.tmp_dir
    assert sweep_stale_temp_files(harness.services) == 0  # also before any upload made the folder
    tmp.mkdir(parents=True, exist_ok=True)
    stale, fresh = tmp / ".upload-old.part", tmp / ".upload-new.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    two_days_ago = (now() - timedelta(days=2)).timestamp()
    os.utime(stale, (two_days_ago, two_days_ago))
    assert sweep_stale_temp_files(harness.services) == 1
    assert not stale.exists() and fresh.exists()


def test_chunk_rows_outlive_their_job_by_the_grace_period(harness: Harness) -> None:
    from bulkwrite.services.results.expiry import CHUNK_RESULTS_GRACE, sweep_chunk_results

    details = harness.job("Last_Name,Company\nA,Co\nB,Co\n", "Leads")
    job_id = details["id"]

    def kept() -> int:
        with harness.services.store.transaction(write=False) as tx:
            return len(list(tx.chunk_results(job_id)))

    assert kept() == 1  # chunk_size 3: one chunk
    assert sweep_chunk_results(harness.services) == []
    later = now() + CHUNK_RESULTS_GRACE + timedelta(seconds=1)
    assert sweep_chunk_results(harness.services, at=later) == [job_id]
    assert kept() == 0
    assert "download_url" in harness.run_details(job_id)["result"]  # the zip is unaffected
