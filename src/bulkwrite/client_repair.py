"""The client's calls for rows that did not make it (beyond-zoho.md §5): ``errors``,
``failed_rows`` — mixed into ``Client`` (``client.py``), kept apart so that file stays small."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx


class _Sending(Protocol):
    version: str

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]: ...


class RepairCalls:
    """A job's errors as data, its failed rows as a file."""

    def errors(self: _Sending, job_id: str, page: int = 1, per_page: int = 200) -> dict[str, Any]:
        """One page of the job's error rows: ``{"errors", "summary", "info"}``."""
        url = f"/crm/bulk/{self.version}/write/{job_id}/errors"
        return self._json(self._send("GET", url, params={"page": page, "per_page": per_page}))

    def all_errors(self: _Sending, job_id: str, per_page: int = 1000) -> Iterator[dict[str, Any]]:
        """Every error row of the job, page after page."""
        page = 1
        while True:
            url = f"/crm/bulk/{self.version}/write/{job_id}/errors"
            params = {"page": page, "per_page": per_page}
            body = self._json(self._send("GET", url, params=params))
            yield from body["errors"]
            if not body["info"]["more_records"]:
                return
            page += 1

    def failed_rows(self: _Sending, job_id: str, path: Path) -> Path:
        """Save the zip of the job's failed rows (each resource's CSV, re-importable) at
        ``path``; returns it."""
        response = self._send("GET", f"/crm/bulk/{self.version}/write/{job_id}/failed_rows")
        if response.status_code != 200:
            self._json(response)  # raises the API's error
        path.write_bytes(response.content)
        return path

    def retry(self: _Sending, job_id: str, rows: list[str] | None = None) -> str:
        """Retry the job's rows of the STATUS values ``rows`` (default: SKIPPED and
        UNPROCESSED) as a new job; its id."""
        url = f"/crm/bulk/{self.version}/write/{job_id}/actions/retry"
        sent = {"json": {"rows": rows}} if rows is not None else {}
        return str(self._json(self._send("POST", url, **sent))["details"]["id"])
