"""A Python client of the Bulk Write API, on httpx: ``Client(base_url, token)``."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

FINAL = frozenset({"COMPLETED", "FAILED"})


class BulkWriteAPIError(Exception):
    """An error answer of the server, in the contract's envelope."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details


@dataclass(frozen=True)
class JobDetails:
    raw: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def status(self) -> str:
        return str(self.raw["status"])

    @property
    def file(self) -> dict[str, Any]:
        resource = self.raw.get("resource") or [{}]
        file: dict[str, Any] = resource[0].get("file", {})
        return file

    def count(self, name: str) -> int:
        return int(self.file.get(f"{name}_count", 0))

    @property
    def download_url(self) -> str | None:
        result = self.raw.get("result") or {}
        url = result.get("download_url")
        return str(url) if url else None

    @property
    def done(self) -> bool:
        return self.status in FINAL


class Client:
    """Upload, create, poll and download against a bulkwrite (or Zoho) server."""

    def __init__(
        self,
        base_url: str,
        token: str,
        version: str = "v8",
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.version = version
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Zoho-oauthtoken {token}"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upload(
        self, data: bytes | Path, name: str = "data.csv", headers: dict[str, str] | None = None
    ) -> str:
        """Upload a CSV or a zip; returns the file id."""
        if isinstance(data, Path):
            name, content = data.name, data.read_bytes()
        else:
            content = data
        response = self._http.post(
            f"/crm/{self.version}/upload",
            files={"file": (name, content)},
            headers={"feature": "bulk-write", **(headers or {})},
        )
        return str(self._json(response)["details"]["file_id"])

    def create_job(self, body: dict[str, Any]) -> str:
        response = self._http.post(f"/crm/bulk/{self.version}/write", json=body)
        return str(self._json(response)["details"]["id"])

    def job(self, job_id: str) -> JobDetails:
        return JobDetails(self._json(self._http.get(f"/crm/bulk/{self.version}/write/{job_id}")))

    def wait(
        self,
        job_id: str,
        timeout: float = 600.0,
        progress: Callable[[JobDetails], None] | None = None,
    ) -> JobDetails:
        """Poll until the job is COMPLETED or FAILED (client-side polling, as Zoho advises)."""

        def done(details: JobDetails) -> bool:
            if progress is not None:
                progress(details)
            return details.done

        return self.wait_for(job_id, done, timeout)

    def wait_for(
        self, job_id: str, condition: Callable[[JobDetails], bool], timeout: float = 600.0
    ) -> JobDetails:
        """Poll the job's details until ``condition`` holds or the job ends."""
        deadline, pause = time.monotonic() + timeout, 0.01
        while True:
            details = self.job(job_id)
            if condition(details) or details.done:
                return details
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {details.status}")
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)

    def download_result(self, details: JobDetails) -> bytes:
        """The result zip's bytes."""
        if details.download_url is None:
            raise ValueError("the job has no result")
        response = self._http.get(details.download_url)
        if response.status_code != 200:
            self._json(response)
        return response.content

    @staticmethod
    def result_csv(zip_bytes: bytes) -> str:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            (name,) = archive.namelist()
            return archive.read(name).decode("utf-8")

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            raise BulkWriteAPIError(
                response.status_code, "INVALID_RESPONSE", response.text[:200], {}
            ) from None
        if response.status_code >= 400 or body.get("status") == "error":
            raise BulkWriteAPIError(
                response.status_code,
                str(body.get("code")),
                str(body.get("message")),
                body.get("details") or {},
            )
        return body
