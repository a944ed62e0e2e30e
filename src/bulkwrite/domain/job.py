"""Jobs, their states and the transitions allowed between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    """A job's state; values are the wire strings."""

    ADDED = "ADDED"
    INPROGRESS = "INPROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    #: Stopped by a cancel (beyond-zoho.md section 3): the chunks written before it are kept,
    #: the rows never reached are UNPROCESSED in the result.
    CANCELLED = "CANCELLED"


TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.ADDED: frozenset({JobStatus.INPROGRESS, JobStatus.FAILED}),
    JobStatus.INPROGRESS: frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}

FINAL_STATES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})


def can_move(source: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[source]


class Operation(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    UPSERT = "upsert"


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """One entry of a resource's ``field_mappings``, as requested (echoed in job details)."""

    api_name: str
    index: int | None = None
    format: str | None = None
    find_by: str | None = None
    module: str | None = None
    default_value: dict[str, Any] | None = None
    #: On a child resource's link mapping: the parent CSV's column whose values this
    #: mapping's column holds (contract section 12).
    parent_column_index: int | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            "api_name": self.api_name,
            "index": self.index,
            "format": self.format,
            "find_by": self.find_by,
            "module": self.module,
            "default_value": self.default_value,
        }


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a create request asked for, validated."""

    operation: Operation
    module: str
    file_id: str
    find_by: str | None
    mappings: tuple[FieldMapping, ...]
    auto_mapped: bool
    ignore_empty: bool
    character_encoding: str
    delimiter: str
    callback_url: str | None
    callback_method: str | None
    #: Headers of the file's columns that no mapping reads (their data is not imported).
    unmapped_columns: tuple[str, ...] = ()
    #: The CSV of the upload this resource reads, when the request named it (``file_names``).
    file_name: str | None = None
    #: The child resources of a job of several resources, in request order (section 12).
    children: tuple[ResourceSpec, ...] = ()
    #: A rehearsal (beyond-zoho.md §4): the whole pipeline and its result file, no record written.
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A child resource of a job (contract section 12): its rows are added to the records the
    job's first resource wrote, linked through the mapping at ``link``, whose column holds
    values of the parent CSV's column ``parent_column``."""

    module: str
    file_name: str
    mappings: tuple[FieldMapping, ...]
    link: int  # position in ``mappings`` of the mapping with ``parent_column_index``
    ignore_empty: bool
    character_encoding: str
    delimiter: str
    unmapped_columns: tuple[str, ...] = ()
    module_id: str = ""  # the child module's id (echoed in job details)

    @property
    def parent_column(self) -> int:
        index = self.mappings[self.link].parent_column_index
        assert index is not None
        return index


@dataclass(slots=True)
class Counts:
    added: int = 0
    updated: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.skipped


@dataclass(frozen=True, slots=True)
class ChunkDone:
    """What one chunk's transaction records: its number and first data row, how many rows it
    read and their outcomes, and its rendered result rows."""

    chunk_no: int
    first_row: int
    counts: Counts
    rows: int
    result: bytes


@dataclass(frozen=True, slots=True)
class ResourceProgress:
    """A resource of a job of several resources that was written to its end: its chunks
    (numbered on from the resource before it), its rows and counts."""

    first_chunk: int
    chunks: int
    rows: int
    counts: Counts


@dataclass(slots=True)
class Job:
    """A job as stored."""

    id: str
    org_id: str
    user_id: str
    spec: JobSpec
    status: JobStatus
    created_time: datetime
    file_name: str
    rows_done: int = 0
    chunks_done: int = 0
    counts: Counts = field(default_factory=Counts)
    error_code: str | None = None
    error_message: str | None = None
    result_ready: bool = False
    finished_time: datetime | None = None
    #: The resource being written (0: the first; a child's index in ``spec.children`` + 1);
    #: ``rows_done`` and ``counts`` are that resource's, ``chunks_done`` counts on across all.
    resource_no: int = 0
    #: The resources before ``resource_no``, written to their end.
    resources_done: tuple[ResourceProgress, ...] = ()


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """One chunk of a job split across workers: where it starts in the file, its row count,
    and whether a worker has converted it (it is then written in input order)."""

    chunk_no: int
    first_row: int
    rows: int
    prepared: bool = False


@dataclass(frozen=True, slots=True)
class JobSplit:
    """A job being (or done being) split into chunks; ``chunks_total`` is None until the
    whole file has been read (or a read error ended the split: the job fails once the chunks
    read before it are written)."""

    header: tuple[str, ...]
    chunks_total: int | None
    error: tuple[str, str] | None = None  # the file could not be read past the last chunk
