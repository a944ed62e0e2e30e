"""The job documents of the API (details, list) as the rows and figures a page shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: The states after which a job changes no more.
ENDED = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
STATUSES = ("ADDED", "INPROGRESS", "COMPLETED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class ResourceRow:
    module: str
    status: str
    file_name: str
    added: int
    updated: int
    skipped: int
    total: int
    error: str


@dataclass(frozen=True)
class JobRow:
    """One job as the Jobs table and the Job page show it."""

    id: str
    module: str
    operation: str
    status: str
    percent: float | None
    rows_done: int
    rows_total: int | None
    added: int
    updated: int
    skipped: int
    total: int
    created: str
    file_name: str
    dry_run: bool
    resources: tuple[ResourceRow, ...]
    retry_of: str | None
    retries: tuple[str, ...]

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def created_short(self) -> str:
        return self.created.replace("T", " ")[:19]

    def live(self) -> dict[str, Any]:
        """What the live stream sends of the job (the figures the pages update in place)."""
        return {**asdict(self), "ended": self.ended}


def _module_name(value: Any) -> str:
    return str(value.get("api_name", "")) if isinstance(value, dict) else str(value)


def _resource(entry: dict[str, Any]) -> ResourceRow:
    file = entry.get("file") or {}
    error = entry.get("error") or {}
    return ResourceRow(
        module=_module_name(entry.get("module")),
        status=str(entry.get("status", "")),
        file_name=str(file.get("name", "")),
        added=int(file.get("added_count", 0)),
        updated=int(file.get("updated_count", 0)),
        skipped=int(file.get("skipped_count", 0)),
        total=int(file.get("total_count", 0)),
        error=f"{error.get('code', '')}: {error.get('message', '')}" if error else "",
    )


def job_row(document: dict[str, Any]) -> JobRow:
    """A job's details (or list) document as a row: counts summed over its resources."""
    resources = tuple(_resource(r) for r in document.get("resource", []))
    progress = document.get("progress") or {}
    first = resources[0] if resources else ResourceRow("", "", "", 0, 0, 0, 0, "")
    return JobRow(
        id=str(document["id"]),
        module=first.module,
        operation=str(document.get("operation", "")),
        status=str(document.get("status", "")),
        percent=progress.get("percent"),
        rows_done=int(progress.get("rows_done") or 0),
        rows_total=progress.get("rows_total"),
        added=sum(r.added for r in resources),
        updated=sum(r.updated for r in resources),
        skipped=sum(r.skipped for r in resources),
        total=sum(r.total for r in resources),
        created=str(document.get("created_time", "")),
        file_name=first.file_name,
        dry_run=bool(document.get("dry_run", False)),
        resources=resources,
        retry_of=document.get("retry_of"),
        retries=tuple(str(r) for r in document.get("retries", ()) or ()),
    )
