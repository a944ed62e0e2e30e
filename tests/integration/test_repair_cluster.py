"""Dry run, errors, failed rows and retry (beyond-zoho.md §4, §5) in the distributed
deployment: PostgreSQL, two API processes and two worker processes (jobs split across
workers), shared file storage; each call through the other API process."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cluster import JOB_SECONDS, Cluster, counts, leads_job, result_of, write_leads

pytestmark = pytest.mark.slow


def test_a_dry_run_then_the_real_run_then_errors_failed_rows_and_retry(
    new_cluster: Callable[..., Cluster], tmp_path: Path
) -> None:
    cluster = new_cluster(apis=2, workers=2, chunk_size="1000")
    leads = write_leads(tmp_path / "leads.csv", 5_000, seed=21, tag="r")
    with cluster.client(0) as api0, cluster.client(1) as api1:
        file_id = api0.upload(leads.path, "leads.csv")
        dry = api1.wait(api0.create_job(leads_job(file_id), dry_run=True), timeout=JOB_SECONDS)
        assert dry.raw["dry_run"] is True
        assert cluster.query("SELECT count(*) FROM jobs WHERE split_header IS NOT NULL") == [(0,)]
        real = api0.wait(api0.create_job(leads_job(file_id)), timeout=JOB_SECONDS)
        assert counts(dry) == counts(real) and real.count("skipped") > 0
        dry_rows, real_rows = result_of(api1, dry), result_of(api0, real)
        assert [r["STATUS"] for r in dry_rows] == [r["STATUS"] for r in real_rows]
        assert [r["ERRORS"] for r in dry_rows] == [r["ERRORS"] for r in real_rows]
        assert all(r["RECORD_ID"] == "" for r in dry_rows)
        skipped = [n for n, r in enumerate(real_rows, 1) if r["STATUS"] == "SKIPPED"]
        errors = list(api1.all_errors(real.id, per_page=100))
        assert [e["row"] for e in errors] == skipped
        saved = api1.failed_rows(real.id, tmp_path / "failed.zip")
        with zipfile.ZipFile(saved) as archive:
            (name,) = archive.namelist()
            lines = archive.read(name).decode().count("\r\n")
        assert lines >= len(skipped) + 1
        retried = api0.wait(api1.retry(real.id), timeout=JOB_SECONDS)
        assert retried.raw["retry_of"] == real.id
        assert retried.count("total") == len(skipped) == retried.count("skipped")
        assert api0.job(real.id).raw["retries"] == [retried.id]
