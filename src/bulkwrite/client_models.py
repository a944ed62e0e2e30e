"""The client's values: its errors, the job-details document, the create-job request body.

Plain data, no I/O; ``bulkwrite.client`` re-exports all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


class BulkWriteClientError(Exception):
    """Base of the client's errors."""


class BulkWriteAPIError(BulkWriteClientError):
    """An error answer of the server, in the contract's envelope."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details

    @property
    def http_status(self) -> int:
        return self.status


class ServerUnreachable(BulkWriteClientError):
    """No HTTP answer at all: connection refused, DNS failure, timeout."""

    def __init__(self, base_url: str, reason: str) -> None:
        super().__init__(f"cannot reach server at {base_url} ({reason})")
        self.base_url, self.reason = base_url, reason


@dataclass(frozen=True)
class Counts:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    total: int = 0  # rows processed so far; the file's row count once COMPLETED


@dataclass(frozen=True)
class JobError:
    code: str
    message: str


@dataclass(frozen=True)
class JobDetails:
    """The job-details document (contract section 6), with typed accessors; ``raw`` is all of it."""

    raw: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def status(self) -> str:
        """``ADDED``, ``INPROGRESS``, ``COMPLETED`` or ``FAILED`` (``IN PROGRESS`` normalised)."""
        return str(self.raw["status"]).replace(" ", "")

    @property
    def operation(self) -> str:
        return str(self.raw.get("operation", ""))

    @property
    def resources(self) -> list[dict[str, Any]]:
        """Every resource of the job, in request order (a parent and its children)."""
        found: list[dict[str, Any]] = self.raw.get("resource") or []
        return found

    @property
    def resource(self) -> dict[str, Any]:
        resources = self.raw.get("resource") or [{}]
        first: dict[str, Any] = resources[0]
        return first

    @property
    def module(self) -> str:
        module = self.resource.get("module")
        return str(module.get("api_name", "") if isinstance(module, dict) else module or "")

    @property
    def file(self) -> dict[str, Any]:
        file: dict[str, Any] = self.resource.get("file", {})
        return file

    @property
    def file_name(self) -> str:
        return str(self.file.get("name", ""))

    def count(self, name: str) -> int:
        """``count("added")`` is ``file.added_count`` (0 while the job is ADDED)."""
        return int(self.file.get(f"{name}_count") or 0)

    @property
    def counts(self) -> Counts:
        return Counts(*(self.count(n) for n in ("added", "updated", "skipped", "total")))

    @property
    def error(self) -> JobError | None:
        """Why a FAILED job failed."""
        error = self.resource.get("error")
        if not isinstance(error, dict):
            return None
        return JobError(str(error.get("code", "")), str(error.get("message", "")))

    @property
    def download_url(self) -> str | None:
        result = self.raw.get("result") or {}
        url = result.get("download_url")
        return str(url) if url else None

    @property
    def done(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True)
class FieldMap:
    """One entry of ``field_mappings``: a column (``index``), a constant, or both."""

    api_name: str
    index: int | None = None
    format: str | None = None
    find_by: str | None = None
    default: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"api_name": self.api_name}
        if self.index is not None:
            wire["index"] = self.index
        if self.format is not None:
            wire["format"] = self.format
        if self.find_by is not None:
            wire["find_by"] = self.find_by
        if self.default is not None:
            wire["default_value"] = {"value": self.default}
        return wire


@dataclass(frozen=True)
class WriteJob:
    """What to do with an uploaded file; ``body(file_id)`` is the create-job request body.

    Without ``mappings`` the server maps columns whose header is a field's API name.
    """

    module: str
    operation: str = "insert"
    find_by: str | None = None
    mappings: Sequence[FieldMap] | None = None
    ignore_empty: bool = False
    encoding: str | None = None
    callback_url: str | None = None

    def body(self, file_id: str) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "type": "data",
            "module": {"api_name": self.module},
            "file_id": file_id,
            "ignore_empty": self.ignore_empty,
        }
        if self.find_by is not None:
            resource["find_by"] = self.find_by
        if self.mappings is not None:
            resource["field_mappings"] = [m.to_wire() for m in self.mappings]
        body: dict[str, Any] = {"operation": self.operation, "resource": [resource]}
        if self.encoding is not None:
            body["character_encoding"] = self.encoding
        if self.callback_url is not None:
            body["callback"] = {"url": self.callback_url, "method": "post"}
        return body
