"""What happened to one row of a job."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class RowError:
    code: RowCode
    column: str  # the CSV header text of the column, or the field's API name


@dataclass(slots=True)
class RowOutcome:
    status: RowStatus
    record_id: str = ""
    errors: list[RowError] = field(default_factory=list)


_CODE_ORDER = {code: rank for rank, code in enumerate(RowCode)}


def render_errors(errors: list[RowError]) -> str:
    """``CODE-col1,col2:CODE2-col3``: columns of one code comma-joined, codes colon-joined.

    Codes come in a fixed order (that of ``RowCode``) and columns alphabetically, so one row's
    problems always read the same way.
    """
    grouped: dict[RowCode, set[str]] = {}
    for error in errors:
        grouped.setdefault(error.code, set()).add(error.column)
    ordered = sorted(grouped.items(), key=lambda item: _CODE_ORDER[item[0]])
    return ":".join(f"{code}-{','.join(sorted(columns))}" for code, columns in ordered)
