"""A harness that rehearses every job first (beyond-zoho.md §4): each create is run as a dry
run, which must leave every record as it was, then for real; both result files must agree row
for row (the RECORD_ID of rows ADDED aside: a dry run gives them none) and in their counts."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from bulkwrite.services.create_job import create_job
from bulkwrite.services.results.assemble import result_path
from tests.contract.harness import Harness

Snapshot = dict[str, list[tuple[object, ...]]]


class RehearsingHarness(Harness):
    """``run`` = a dry run checked against the real run that follows it."""

    rehearsed: int = 0

    def run(self, body: dict[str, Any]) -> dict[str, Any]:
        before = self.snapshot()
        dry = self._run_once({**body, "dry_run": True})
        assert self.snapshot() == before, "a dry run changed records"
        real = self._run_once(body)
        assert dry["dry_run"] is True and "dry_run" not in real
        assert dry["status"] == real["status"]
        assert _counts(dry) == _counts(real)
        if real.get("result"):
            compare_results(self.result_files(dry), self.result_files(real))
        self.rehearsed += 1
        return real

    def _run_once(self, body: dict[str, Any]) -> dict[str, Any]:
        job = create_job(self.services, self.principal, body)
        self.worker.join()
        return self.run_details(job.id)

    def snapshot(self) -> Snapshot:
        """Every record of the org: id, last job and modified time, by module."""
        with self.services.store.transaction(write=False) as tx:
            modules = tx.list_modules(self.org.org.id)
            tables = {m.api_name: tx.record_table(self.org.org.id, m.api_name) for m in modules}
            columns = ["id", "_job", "Modified_Time"]
            return {
                name: sorted(
                    (tuple(r) for r in tx.read_records(t, columns, limit=10**9, offset=0)),
                    key=str,
                )
                for name, t in tables.items()
            }

    def result_files(self, details: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
        with zipfile.ZipFile(result_path(self.services, details["id"])) as archive:
            return {
                name: list(csv.DictReader(io.StringIO(archive.read(name).decode(), newline="")))
                for name in archive.namelist()
            }


def _counts(details: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    return [
        (f["added_count"], f["updated_count"], f["skipped_count"], f["total_count"])
        for f in (r["file"] for r in details["resource"])
    ]


def compare_results(
    dry: dict[str, list[dict[str, str]]], real: dict[str, list[dict[str, str]]]
) -> None:
    """Row for row the same, but the ids of added rows (empty in the dry run)."""
    assert len(dry) == len(real)
    for (dry_name, dry_rows), real_rows in zip(
        sorted(dry.items()), (real[n] for n in sorted(real)), strict=True
    ):
        assert len(dry_rows) == len(real_rows), dry_name
        for number, (d, r) in enumerate(zip(dry_rows, real_rows, strict=True)):
            if r["STATUS"] == "ADDED":
                assert d["RECORD_ID"] == "", (dry_name, number, d)
                d, r = {**d, "RECORD_ID": ""}, {**r, "RECORD_ID": ""}
            assert d == r, (dry_name, number)
