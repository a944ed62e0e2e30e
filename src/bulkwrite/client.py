"""A Python client of the Bulk Write API, on httpx: ``Client(base_url, token)``.

It speaks the Bulk Write wire contract (upload, create, details, download, records) to a
bulkwrite server, one base URL for every call. Server errors become ``BulkWriteAPIError``
(code, message, details, HTTP status); a server that cannot be reached, ``ServerUnreachable``.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from bulkwrite.client_control import ControlMixin
from bulkwrite.client_import import (
    ImportResult,
    ImportSettings,
    JobUnreachable,
    import_csv,
    wait_reattaching,
)
from bulkwrite.client_models import (
    FINAL,
    BulkWriteAPIError,
    BulkWriteClientError,
    Counts,
    FieldMap,
    JobDetails,
    JobError,
    ServerUnreachable,
    WriteJob,
)
from bulkwrite.client_repair import RepairCalls

__all__ = [
    "FINAL",
    "BulkWriteAPIError",
    "BulkWriteClientError",
    "Client",
    "Counts",
    "FieldMap",
    "ImportResult",
    "ImportSettings",
    "JobDetails",
    "JobError",
    "JobUnreachable",
    "ServerUnreachable",
    "WriteJob",
    "zip_csv",
]

BLOCK_SIZE = 1024 * 1024
Progress = Callable[["JobDetails"], None]


def zip_csv(source: Path, dest: IO[bytes], name: str | None = None) -> None:
    """Write a zip holding ``source`` (as ``name``, default its own) to ``dest``, streaming,
    deflated."""
    with (
        zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        source.open("rb") as src,
        archive.open(name or source.name, "w", force_zip64=True) as entry,
    ):
        shutil.copyfileobj(src, entry, BLOCK_SIZE)


class Client(RepairCalls, ControlMixin):
    """Upload, create, poll and download against a bulkwrite (or Zoho) server; the one-call
    ``import_csv`` (``client_import.py``); errors, failed rows, retry (``client_repair.py``);
    list_jobs, events, cancel (``client_control.py``)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        version: str = "v8",
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        self._http = httpx.Client(
            base_url=self.base_url,
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
        self,
        data: bytes | Path | IO[bytes],
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Upload a CSV or a zip (bytes, a path or a binary file); returns the file id.

        Paths and files are streamed, never read into memory. ``idempotency_key``: sent as the
        ``Idempotency-Key`` header (docs/idempotency.md).
        """
        if idempotency_key is not None:
            headers = {**(headers or {}), "Idempotency-Key": idempotency_key}
        if isinstance(data, Path):
            with data.open("rb") as file:
                return self.upload(file, name or data.name, headers)
        response = self._send(
            "POST",
            f"/crm/{self.version}/upload",
            files={"file": (name or "data.csv", data)},
            headers={"feature": "bulk-write", **(headers or {})},
        )
        return str(self._json(response)["details"]["file_id"])

    def upload_csv(self, path: Path, sheet: str | None = None) -> str:
        """Upload the table in the file at ``path`` as a zip holding one CSV, built in a
        temporary file (streaming): a CSV, TSV or other delimited text file as it is; a gzipped
        one inflated; a zip's one text table; the first sheet of an ``.xlsx`` or ``.ods``
        spreadsheet (or ``sheet``) converted to CSV. ``ValueError`` for a file that holds no
        table (or ``sheet`` for one that is no spreadsheet)."""
        from bulkwrite.errors import FileFormatInvalid
        from bulkwrite.files.table_input import text_table

        try:
            with text_table(path, sheet) as table, tempfile.TemporaryFile() as packed:
                zip_csv(table.path, packed, table.name)
                packed.seek(0)
                return self.upload(packed, f"{Path(table.name).stem}.zip")
        except FileFormatInvalid as exc:
            raise ValueError(f"{path}: {exc.message}") from None

    def create_job(
        self, body: Mapping[str, Any], idempotency_key: str | None = None, dry_run: bool = False
    ) -> str:
        """Create a job from a request body (e.g. ``WriteJob(...).body(file_id)``); its id.
        ``idempotency_key``: sent as the ``Idempotency-Key`` header (docs/idempotency.md);
        ``dry_run``: a rehearsal, its result file but no record written (beyond-zoho.md §4)."""
        keyed = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
        sent = {**body, "dry_run": True} if dry_run else dict(body)
        response = self._send("POST", f"/crm/bulk/{self.version}/write", json=sent, headers=keyed)
        return str(self._json(response)["details"]["id"])

    def job(self, job_id: str) -> JobDetails:
        return JobDetails(self._json(self._send("GET", f"/crm/bulk/{self.version}/write/{job_id}")))

    def wait(
        self, job_id: str, timeout: float | None = 600.0, progress: Progress | None = None
    ) -> JobDetails:
        """Poll until the job is COMPLETED or FAILED (client-side polling, as Zoho advises).

        ``progress`` is called with every details document polled, the final one included.
        ``timeout=None`` waits for as long as it takes; else ``TimeoutError`` after it.
        """

        def done(details: JobDetails) -> bool:
            if progress is not None:
                progress(details)
            return details.done

        return self.wait_for(job_id, done, timeout)

    def wait_for(
        self, job_id: str, condition: Callable[[JobDetails], bool], timeout: float | None = 600.0
    ) -> JobDetails:
        """Poll the job's details until ``condition`` holds or the job ends."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.01
        while True:
            details = self.job(job_id)
            if condition(details) or details.done:
                return details
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {details.status}")
            time.sleep(pause)  # client-side polling of a real server
            pause = min(pause * 1.5, 0.5)

    def wait_reattaching(self, job_id: str, settings: ImportSettings | None = None) -> JobDetails:
        """``wait``, re-attaching after a dropped connection or a restarted server (each
        outage waited out for up to ``settings.patience`` seconds; ``client_import.py``)."""
        return wait_reattaching(self, job_id, settings)

    def import_csv(
        self,
        path: Path,
        module: str,
        operation: str = "insert",
        find_by: str | None = None,
        mappings: Sequence[FieldMap] | None = None,
        settings: ImportSettings | None = None,
    ) -> ImportResult:
        """Upload, create (with an Idempotency-Key of its own), wait and save the result in
        one call; the final details and where the result is (``client_import.py``)."""
        return import_csv(self, path, module, operation, find_by, mappings, settings)

    def download_result(self, details: JobDetails) -> bytes:
        """The result zip's bytes (see ``save_result`` for large results)."""
        buffer = io.BytesIO()
        with self._result_stream(details) as response:
            for block in response.iter_bytes(BLOCK_SIZE):
                buffer.write(block)
        return buffer.getvalue()

    def save_result(self, details: JobDetails, path: Path, unzip: bool | None = None) -> Path:
        """Stream the result to ``path``: the zip, or its CSV when ``unzip`` (default: the
        path ends in ``.csv``). The file appears complete or not at all."""
        unzip = path.suffix.lower() == ".csv" if unzip is None else unzip
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as packed:
            with self._result_stream(details) as response:
                for block in response.iter_bytes(BLOCK_SIZE):
                    packed.write(block)
            packed.seek(0)
            with _replacing(path) as out:
                if unzip:
                    _copy_single_entry(packed, out)
                else:
                    shutil.copyfileobj(packed, out, BLOCK_SIZE)
        return path

    def record(self, module: str, record_id: str) -> dict[str, Any]:
        """One record as read back (contract section 10): typed JSON values."""
        body = self._json(self._send("GET", f"/crm/{self.version}/{module}/{record_id}"))
        data: list[dict[str, Any]] = body["data"]
        return data[0]

    def records(self, module: str, page: int = 1, per_page: int = 200) -> list[dict[str, Any]]:
        """One page of a module's records (an empty list past the last page)."""
        response = self._send(
            "GET", f"/crm/{self.version}/{module}", params={"page": page, "per_page": per_page}
        )
        if response.status_code == 204:
            return []
        data: list[dict[str, Any]] = self._json(response)["data"]
        return data

    def iter_records(
        self,
        module: str,
        per_page: int = 200,
        fields: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every record of a module, a page at a time: each page after the first is asked for
        by the ``next_page_token`` of the one before (a keyset read, the same cost at any
        depth); by page number on v2/v2.1, which have no page tokens."""
        query = {"per_page": per_page, "fields": fields, "sort_by": sort_by}
        query["sort_order"] = sort_order
        params: dict[str, Any] = {k: v for k, v in query.items() if v is not None}
        page = 1
        while True:
            response = self._send("GET", f"/crm/{self.version}/{module}", params=params)
            if response.status_code == 204:
                return
            body = self._json(response)
            yield from body["data"]
            info: dict[str, Any] = body["info"]
            if not info.get("more_records"):
                return
            token = info.get("next_page_token")
            if "next_page_token" in info and not token:
                return
            page += 1
            params = {**params, "page_token": token} if token else {**params, "page": page}

    def fields(self, module: str) -> list[dict[str, Any]]:
        """The module's fields as Zoho's metadata call describes them (``api_name``,
        ``field_label``, ``data_type``, ``lookup``…)."""
        response = self._send(
            "GET", f"/crm/{self.version}/settings/fields", params={"module": module}
        )
        fields: list[dict[str, Any]] = self._json(response)["fields"]
        return fields

    @staticmethod
    def result_csv(zip_bytes: bytes) -> str:
        """The text of the one CSV inside a result zip."""
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            (name,) = archive.namelist()
            return archive.read(name).decode("utf-8")

    @staticmethod
    def result_csvs(zip_bytes: bytes) -> dict[str, str]:
        """Each CSV of a result zip by name, in order: one per resource of a job of several
        resources (``<Module>-<file name>``)."""
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}

    @contextmanager
    def _result_stream(self, details: JobDetails) -> Iterator[httpx.Response]:
        if details.download_url is None:
            raise ValueError(f"job {details.id} has no result (status {details.status})")
        try:
            with self._http.stream("GET", details.download_url) as response:
                if response.status_code != 200:
                    response.read()
                    self._json(response)
                yield response
        except httpx.TransportError as exc:
            raise ServerUnreachable(self.base_url, _reason(exc)) from None

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise ServerUnreachable(self.base_url, _reason(exc)) from None

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            text = " ".join(response.text[:200].split())
            raise BulkWriteAPIError(
                response.status_code,
                "INVALID_RESPONSE",
                f"HTTP {response.status_code}, not a JSON object: {text!r}",
                {},
            )
        if response.status_code >= 400 or body.get("status") == "error":
            raise BulkWriteAPIError(
                response.status_code,
                str(body.get("code")),
                str(body.get("message")),
                body.get("details") or {},
            )
        return body


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    return type(exc).__name__


@contextmanager
def _replacing(path: Path) -> Iterator[IO[bytes]]:
    """A temp file beside ``path`` that replaces it on success and vanishes on failure."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _copy_single_entry(packed: IO[bytes], out: IO[bytes]) -> None:
    with zipfile.ZipFile(packed) as archive:
        names = archive.namelist()
        if len(names) != 1:
            raise ValueError(f"the result zip holds {len(names)} files, not one")
        with archive.open(names[0]) as entry:
            shutil.copyfileobj(entry, out, BLOCK_SIZE)
