"""What happened to one row of a job."""

from __future__ import annotations

from enum import StrEnum


class RowStatus(StrEnum):
    ADDED = "ADDED"
    UPDATED = "UPDATED"
    SKIPPED = "SKIPPED"
    UNPROCESSED = "UNPROCESSED"


class RowCode(StrEnum):
    """Per-row error codes of the result file."""

    MANDATORY_NOT_FOUND = "MANDATORY_NOT_FOUND"
    INVALID_DATA = "INVALID_DATA"
    DUPLICATE_DATA = "DUPLICATE_DATA"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    CANNOT_PROCESS = "CANNOT_PROCESS"
