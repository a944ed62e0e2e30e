"""A job's row errors as data (beyond-zoho.md §5): ``GET …/write/{job_id}/errors``.

Read from the job's result file (while the job runs: from the result rows of the chunks it
has committed so far, ``services/committed_results.py``, the answer saying so): each row not
ADDED or UPDATED, with its 1-based row number in its resource's CSV, its STATUS, and each
error's code, column, field, the cell as uploaded and a message saying what was expected. The
first request of an ended job reads its result once and keeps an index
(``settings.cache_dir``/errors: the error rows as JSON lines, their byte offsets, the summary),
so any page after costs the same however deep it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkwrite.domain.identity import Principal
from bulkwrite.domain.job import Job
from bulkwrite.domain.modules import FieldType
from bulkwrite.domain.outcome import RowCode, RowStatus
from bulkwrite.errors import DataInvalid, ResourceNotFound
from bulkwrite.files.csvsource import CsvSource
from bulkwrite.importer.columns import Column
from bulkwrite.services.collaborators import Services
from bulkwrite.services.committed_results import Tables, committed_tables, still_open
from bulkwrite.services.details import load_job
from bulkwrite.services.results.assemble import result_key
from bulkwrite.services.run.load import dialect_of, load_run, source_path
from bulkwrite.services.run.resources import resource_view

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 200
MAX_VALUE = 1000  # characters of a cell echoed in an error
RESULT_TAIL = ("STATUS", "RECORD_ID", "ERRORS")
_CODES = "|".join(re.escape(c.value) for c in RowCode)
_ERROR = re.compile(rf"({_CODES})-(.*?)(?=:(?:{_CODES})-|$)")
_OFFSET = struct.Struct("<Q")
WRITTEN = frozenset({RowStatus.ADDED.value, RowStatus.UPDATED.value})


@dataclass(frozen=True)
class ErrorRow:
    """One row that did not make it."""

    resource: int
    row: int
    status: str
    errors: list[dict[str, Any]]


def page_number(value: str | None, name: str, default: int, top: int | None = None) -> int:
    """A positive integer query parameter (at most ``top``), else 400 INVALID_DATA."""
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1 or (top is not None and int(value) > top):
        limit = f" from 1 to {top}" if top is not None else " of 1 or more"
        raise DataInvalid.at(name, name, f"{name} must be a whole number{limit}.")
    return int(value)


def job_errors(
    services: Services, principal: Principal, job_id: str, page: str | None, per_page: str | None
) -> dict[str, Any]:
    """One page of a job's error rows, the summary by code and column, and ``info``."""
    number = page_number(page, "page", 1)
    size = page_number(per_page, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    job, _, _ = load_job(services, principal, job_id)
    if still_open(job):
        return _running_errors(services, job, number, size)
    index = error_index(services, job)
    rows = index.page((number - 1) * size, size)
    return {
        "errors": rows,
        "summary": index.summary(),
        "info": _info(number, size, len(rows), index.count, job),
    }


def _info(number: int, size: int, count: int, total: int, job: Job) -> dict[str, Any]:
    return {
        "page": number,
        "per_page": size,
        "count": count,
        "total_rows": total,
        "more_records": number * size < total,
        "job_status": job.status.value,
        "complete": not still_open(job),
    }


def _running_errors(services: Services, job: Job, number: int, size: int) -> dict[str, Any]:
    """A job not ended: the error rows of the chunks it has committed so far, read anew (no
    index is kept: they grow with each chunk)."""
    counts: Counter[tuple[str, str]] = Counter()
    rows: list[dict[str, Any]] = []
    first, total = (number - 1) * size, 0
    current, tables = committed_tables(services, job)
    for error_row in error_rows(services, current, tables):
        counts.update((e["code"], e["column"]) for e in error_row.errors)
        if first <= total < first + size:
            rows.append(error_row.__dict__)
        total += 1
    return {
        "errors": rows,
        "summary": _summary(counts),
        "info": _info(number, size, len(rows), total, current),
        "message": "The job is still running: these are the rows of the chunks it has "
        "committed so far.",
    }


def _summary(counts: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"code": c, "column": col, "count": n} for (c, col), n in counts.most_common()]


@dataclass(frozen=True)
class ErrorIndex:
    """The error rows of a job's result, as kept on disk: ``rows`` (JSON lines), ``offsets``
    (where each starts), ``totals`` (the summary)."""

    base: Path

    @property
    def count(self) -> int:
        return self.base.with_suffix(".idx").stat().st_size // _OFFSET.size

    def page(self, first: int, size: int) -> list[dict[str, Any]]:
        if first >= self.count:
            return []
        with self.base.with_suffix(".idx").open("rb") as index:
            index.seek(first * _OFFSET.size)
            (start,) = _OFFSET.unpack(index.read(_OFFSET.size))
        out: list[dict[str, Any]] = []
        with self.base.with_suffix(".jsonl").open("rb") as rows:
            rows.seek(start)
            for line in rows:
                out.append(json.loads(line))
                if len(out) == size:
                    break
        return out

    def summary(self) -> list[dict[str, Any]]:
        loaded: list[dict[str, Any]] = json.loads(self.base.with_suffix(".json").read_text())
        return loaded


def error_index(services: Services, job: Job) -> ErrorIndex:
    """The job's error index, built from its result file on first use."""
    if not job.result_ready:
        raise ResourceNotFound("The job has no result file yet.")
    folder = services.settings.cache_dir / "errors"
    base = folder / f"{job.id}"
    index = ErrorIndex(base)
    if base.with_suffix(".json").exists():
        return index
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f".{job.id}-{uuid.uuid4().hex}"
    counts: Counter[tuple[str, str]] = Counter()
    try:
        with (
            stem.with_suffix(".jsonl").open("wb") as rows,
            stem.with_suffix(".idx").open("wb") as at,
        ):
            for error_row in error_rows(services, job):
                at.write(_OFFSET.pack(rows.tell()))
                rows.write(json.dumps(error_row.__dict__, ensure_ascii=False).encode() + b"\n")
                counts.update((e["code"], e["column"]) for e in error_row.errors)
        stem.with_suffix(".json").write_text(json.dumps(_summary(counts)))
        for suffix in (".jsonl", ".idx", ".json"):  # the summary last: it marks the index whole
            stem.with_suffix(suffix).replace(base.with_suffix(suffix))
    finally:
        for suffix in (".jsonl", ".idx", ".json"):
            stem.with_suffix(suffix).unlink(missing_ok=True)
    return index


def result_tables(services: Services, job: Job) -> Iterator[tuple[int, Iterator[list[str]]]]:
    """Each resource's result CSV rows (the header first), in resource order."""
    path = services.files.local_path(result_key(job.id))
    with zipfile.ZipFile(path) as archive:
        for number, name in enumerate(archive.namelist()):
            with archive.open(name) as entry:
                yield number, csv.reader(io.TextIOWrapper(entry, "utf-8", newline=""))


def error_rows(services: Services, job: Job, tables: Tables | None = None) -> Iterator[ErrorRow]:
    """Every row of the job's result (or of ``tables``: ``committed_tables``) that was
    neither ADDED nor UPDATED, in order, with the cells of its row in the uploaded CSV (the
    result echoes only a few columns)."""
    for number, results in result_tables(services, job) if tables is None else tables:
        messages = Messages(columns_of(services, job, number))
        for row_number, values, result in source_and_result(services, job, number, results):
            status, errors = result[-3], result[-1]
            if status in WRITTEN:
                continue
            found = [messages.error(code, col, values) for code, col in parse_errors(errors)]
            yield ErrorRow(number, row_number, status, found)


def source_and_result(
    services: Services, job: Job, number: int, results: Iterator[list[str]]
) -> Iterator[tuple[int, dict[str, str], list[str]]]:
    """Resource ``number``'s rows: (1-based row, the uploaded cells by header, the result
    row), skipping the result's header."""
    next(results, None)
    view = resource_view(job, number)
    with CsvSource(source_path(services, view), dialect_of(view), errors="replace") as source:
        header = source.header
        for row_number, (cells, result) in enumerate(zip(source.rows(), results, strict=False), 1):
            values: dict[str, str] = {}
            for name, cell in zip(header, cells, strict=False):
                values.setdefault(name, cell)
            yield row_number, values, result


def parse_errors(text: str) -> list[tuple[str, str]]:
    """``CODE-col1,col2:CODE2-col3`` as (code, column) pairs, in the text's order."""
    return [
        (code, column)
        for code, columns in _ERROR.findall(text)
        for column in columns.split(",")
        if column
    ]


def columns_of(services: Services, job: Job, number: int) -> dict[str, Column]:
    """The columns of resource ``number``'s plan by label (none if it cannot be compiled)."""
    try:
        run = load_run(services, resource_view(job, number))
    except Exception:  # a module changed since: messages fall back to the codes' own
        return {}
    return {c.label: c for c in run.plan.columns}


class Messages:
    """What an error says was expected, from the column's field."""

    def __init__(self, columns: dict[str, Column]) -> None:
        self.columns = columns

    def error(self, code: str, label: str, values: dict[str, str]) -> dict[str, Any]:
        column = self.columns.get(label)
        value = values.get(label, "")[:MAX_VALUE]
        return {
            "code": code,
            "column": label,
            "field": column.field.api_name if column is not None else label,
            "value": value,
            "message": self.message(code, column, value),
        }

    def message(self, code: str, column: Column | None, value: str) -> str:
        if code == RowCode.MANDATORY_NOT_FOUND:
            return "a value is required (the field is mandatory, or the key to find by)"
        if code == RowCode.LIMIT_EXCEEDED:
            return "the row is past the job's row limit"
        if code == RowCode.CANNOT_PROCESS:
            return "the row could not be processed"
        if column is None:
            return {
                RowCode.INVALID_DATA: "not a valid value",
                RowCode.DUPLICATE_DATA: "the value is already taken",
                RowCode.RESOURCE_NOT_FOUND: "no record matches the value",
            }.get(RowCode(code), code)
        field = column.field
        target = field.lookup_module or "parent"
        by = column.find_by or "name"
        if code == RowCode.RESOURCE_NOT_FOUND:
            if field.type in (FieldType.LOOKUP, FieldType.OWNERLOOKUP, FieldType.USERLOOKUP):
                return f"no {target} record with {by} '{value}'"
            return f"no record with {field.api_name} '{value}'"
        if code == RowCode.DUPLICATE_DATA:
            if field.type is FieldType.LOOKUP:
                return f"several {target} records have {by} '{value}'"
            return "the value repeats an earlier row of the file, or another record has it"
        return invalid_message(column)


def invalid_message(column: Column) -> str:
    """What an INVALID_DATA cell of ``column`` should have been."""
    field = column.field
    kind = field.type
    if kind in (FieldType.DATE, FieldType.DATETIME):
        pattern = column.pattern or ("yyyy-MM-dd" if kind is FieldType.DATE else "ISO 8601")
        return f"does not match {pattern}"
    if kind in (FieldType.PICKLIST, FieldType.MULTISELECT):
        return "not one of the picklist values"
    if kind is FieldType.EMAIL:
        return "not an email address"
    if kind in (FieldType.INTEGER, FieldType.BIGINT):
        return "not a whole number in the field's range"
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY, FieldType.DOUBLE, FieldType.PERCENT):
        return f"not a number{f' in the format {column.pattern}' if column.pattern else ''}"
    if kind is FieldType.BOOLEAN:
        return "not true or false"
    if field.max_length is not None:
        return f"longer than {field.max_length} characters, or not a valid {kind.value}"
    return f"not a valid {kind.value}"
