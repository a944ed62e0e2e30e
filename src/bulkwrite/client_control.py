"""The client's job-control calls (beyond-zoho.md sections 1-3), mixed into ``Client``: list
jobs, follow a job's live events, cancel a job."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import httpx

from bulkwrite.client_models import JobDetails, ServerUnreachable


class _Http(Protocol):
    base_url: str
    version: str

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]: ...


class ControlMixin:
    """List, watch and cancel jobs; needs the ``Client``'s ``_send``, ``_json`` and ``_http``."""

    base_url: str
    version: str
    _http: httpx.Client

    def list_jobs(
        self,
        status: str | Sequence[str] | None = None,
        module: str | None = None,
        operation: str | None = None,
        created_by: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
        page_token: str | None = None,
    ) -> tuple[list[JobDetails], dict[str, Any]]:
        """One page of the org's jobs, newest first, and the page's ``info`` (its
        ``next_page_token``, when there are more, asks for the next page)."""
        if status is not None and not isinstance(status, str):
            status = ",".join(status)
        given = {
            "status": status,
            "module": module,
            "operation": operation,
            "created_by": created_by,
            "page": page,
            "per_page": per_page,
            "page_token": page_token,
        }
        params = {k: str(v) for k, v in given.items() if v is not None}
        http: _Http = self  # type: ignore[assignment]
        response = http._send("GET", f"/crm/bulk/{self.version}/write", params=params)
        body = http._json(response)
        return [JobDetails(job) for job in body.get("jobs", [])], dict(body.get("info", {}))

    def events(self, job_id: str) -> Iterator[JobDetails]:
        """The job's details each time they change, from its event stream, the final details
        last (the iterator ends with the job)."""
        url = f"/crm/bulk/{self.version}/write/{job_id}/events"
        http: _Http = self  # type: ignore[assignment]
        try:
            with self._http.stream("GET", url, timeout=httpx.Timeout(60.0, read=None)) as answer:
                if answer.status_code != 200:
                    answer.read()
                    http._json(answer)
                for name, data in _sse(answer.iter_lines()):
                    if name in ("details", "end"):
                        details = JobDetails(json.loads(data))
                        if name == "end":
                            return
                        yield details
        except httpx.TransportError as exc:
            raise ServerUnreachable(self.base_url, str(exc) or type(exc).__name__) from None

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a job not ended yet; the answer's envelope (``details.id``)."""
        http: _Http = self  # type: ignore[assignment]
        url = f"/crm/bulk/{self.version}/write/{job_id}/actions/cancel"
        return http._json(http._send("POST", url))


def _sse(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) of each event of a ``text/event-stream``; comments skipped."""
    name, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
