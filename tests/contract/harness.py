"""Running jobs in-process: real store, real worker threads, ``join()`` instead of waiting."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkwrite.domain.identity import Principal
from bulkwrite.services.accounts import NewOrg
from bulkwrite.services.collaborators import Services
from bulkwrite.services.create_job import create_job
from bulkwrite.services.details import job_details
from bulkwrite.services.results.assemble import result_path
from bulkwrite.services.tokens import authenticate
from bulkwrite.services.uploads import upload_file
from bulkwrite.worker.embedded import EmbeddedWorker


@dataclass
class Harness:
    services: Services
    worker: EmbeddedWorker
    org: NewOrg
    tmp: Path

    @property
    def principal(self) -> Principal:
        return authenticate(self.services, f"Zoho-oauthtoken {self.org.token}")

    def upload(self, text: str | bytes, name: str = "data.csv") -> str:
        data = text.encode() if isinstance(text, str) else text
        path = self.tmp / f"upload-{len(list(self.tmp.iterdir()))}"
        path.write_bytes(data)
        with path.open("rb") as source:
            return upload_file(self.services, self.principal, source, name).id

    def run(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a job, wait for the worker to finish it, return its details."""
        job = create_job(self.services, self.principal, body)
        self.worker.join()
        return self.run_details(job.id)

    def run_details(self, job_id: str) -> dict[str, Any]:
        return job_details(self.services, self.principal, job_id, "v8")

    def job(
        self, text: str, module: str, operation: str = "insert", **resource: Any
    ) -> dict[str, Any]:
        file_id = self.upload(text)
        extra = {k: v for k, v in resource.items() if k in ("ignore_empty", "character_encoding")}
        res = {k: v for k, v in resource.items() if k not in extra}
        body = {
            "operation": operation,
            **extra,
            "resource": [
                {"type": "data", "module": {"api_name": module}, "file_id": file_id, **res}
            ],
        }
        return self.run(body)

    def result_rows(self, details: dict[str, Any]) -> list[dict[str, str]]:
        path = result_path(self.services, details["id"])
        with zipfile.ZipFile(path) as archive:
            (name,) = archive.namelist()
            text = archive.read(name).decode("utf-8")
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def records(self, module: str, *columns: str) -> list[dict[str, object]]:
        with self.services.store.transaction(write=False) as tx:
            table = tx.record_table(self.org.org.id, module)
            rows = tx.read_records(table, ["id", *columns], limit=10**9, offset=0)
        return [dict(zip(["id", *columns], row, strict=True)) for row in rows]


def counts(details: dict[str, Any]) -> tuple[int, int, int, int]:
    file = details["resource"][0]["file"]
    return (file["added_count"], file["updated_count"], file["skipped_count"], file["total_count"])
