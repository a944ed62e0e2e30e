"""What ``bulkwrite import`` prints when the job has ended: summary, tables, top errors."""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from bulkwrite.cli.columns import Unread
    from bulkwrite.cli.csvfile import LocalCsv
    from bulkwrite.client import JobDetails

CODE_GROUP = re.compile(r"^([A-Z][A-Z0-9_]*)-(.*)$", re.DOTALL)
EXAMPLES = 5
TOP_CODES = 5


@dataclass
class ErrorStat:
    """One error code of a result file: rows that have it, their columns, a few row numbers."""

    code: str
    rows: int = 0
    columns: Counter[str] = field(default_factory=Counter)
    examples: list[int] = field(default_factory=list)


def parse_errors(cell: str) -> list[tuple[str, str]]:
    """``MANDATORY_NOT_FOUND-Stage,Closing_Date:INVALID_DATA-Amount`` → (code, columns) pairs.

    Codes are colon-joined; a colon inside a column name stays with its column.
    """
    groups: list[tuple[str, str]] = []
    for part in cell.split(":") if cell else []:
        match = CODE_GROUP.match(part)
        if match:
            groups.append((match.group(1), match.group(2)))
        elif groups:
            code, columns = groups[-1]
            groups[-1] = (code, f"{columns}:{part}")
    return groups


def split_columns(group: str, known: set[str]) -> list[str]:
    """The column names of one code's comma-joined group (``Attendees,Event_Date``); a name
    with a comma of its own is kept whole when ``known`` (the file's headers) has it."""
    parts, names, start = group.split(","), [], 0
    while start < len(parts):
        end = next(
            (e for e in range(len(parts), start + 1, -1) if ",".join(parts[start:e]) in known),
            start + 1,
        )
        names.append(",".join(parts[start:end]))
        start = end
    return names


def error_stats(result_csv: Path, header: list[str] | None = None) -> list[ErrorStat]:
    """Error codes of a result CSV, most frequent first, each column counted once per row;
    row numbers count data rows from 1. ``header``: the input file's column names."""
    stats: dict[str, ErrorStat] = {}
    known = set(header or ())
    with result_csv.open(encoding="utf-8", newline="") as text:
        reader = csv.reader(text)
        next(reader, None)
        for number, row in enumerate(reader, start=1):
            if not row or not row[-1]:
                continue
            groups = parse_errors(row[-1])
            for code, columns in groups:
                stat = stats.setdefault(code, ErrorStat(code))
                stat.columns.update(dict.fromkeys(split_columns(columns, known), 1))
            for code in dict.fromkeys(code for code, _ in groups):
                stat = stats[code]
                stat.rows += 1
                if len(stat.examples) < EXAMPLES:
                    stat.examples.append(number)
    return sorted(stats.values(), key=lambda s: (-s.rows, s.code))


def rows(count: int) -> str:
    """``1 row``, ``2 rows``, ``12,000 rows``: every count is printed this way."""
    return f"{count:,} row{'' if count == 1 else 's'}"


def summary_line(details: JobDetails, source: str, result: Path | None) -> str:
    c = details.counts
    line = (
        f"{source}: job {details.id} {details.status}, {rows(c.total)}: "
        f"{c.added:,} added, {c.updated:,} updated, {c.skipped:,} skipped"
    )
    return f"{line}; result: {result}" if result is not None else line


def job_warnings(
    details: JobDetails, local: LocalCsv, unread: list[Unread] | None, find_by: str | None
) -> list[str]:
    """A line for each column the job did not import, and for rows with an empty key."""
    from bulkwrite.cli.columns import Unread

    known = {u.header: u for u in unread or ()}
    lines = [
        known.get(name, Unread(-1, name)).warning()
        for name in details.resource.get("unmapped_columns") or []
    ]
    empty = _empty_keys(details, local, find_by)
    if empty and find_by:
        what = (
            "update skips such a row (MANDATORY_NOT_FOUND)"
            if details.operation == "update"
            else "upsert adds such a row as a new record, again each time the file is imported"
        )
        have = "has" if empty == 1 else "have"
        lines.append(f"warning: {rows(empty)} {have} an empty {find_by} (--find-by): {what}")
    return lines


def _empty_keys(details: JobDetails, local: LocalCsv, find_by: str | None) -> int:
    if details.operation not in ("update", "upsert") or not find_by:
        return 0
    for mapping in details.resource.get("field_mappings") or []:
        if mapping.get("api_name") == find_by and mapping.get("index") is not None:
            return local.empty.get(int(mapping["index"]), 0)
    return 0


def summary_table(details: JobDetails, elapsed: float, result: Path | None) -> Table:
    c = details.counts
    table = Table(title="Import summary", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    rate = f"{c.total / elapsed:,.0f} rows/s" if elapsed > 0 else "-"
    for label, value in [
        ("Job", details.id),
        ("Module", details.module),
        ("Operation", details.operation),
        ("Status", details.status),
        ("Rows", f"{c.total:,}"),
        ("Added", f"{c.added:,}"),
        ("Updated", f"{c.updated:,}"),
        ("Skipped", f"{c.skipped:,}"),
        ("Time", f"{elapsed:,.1f} s ({rate})"),
        ("Result", str(result) if result is not None else "-"),
    ]:
        table.add_row(label, Text(value))
    return table


def errors_table(stats: list[ErrorStat]) -> Table:
    shown = stats[:TOP_CODES]
    more = len(stats) - len(shown)
    title = "Top errors" + (f" ({more} more codes in the result file)" if more > 0 else "")
    table = Table(title=title, title_justify="left")
    table.add_column("Error code", style="bold red")
    table.add_column("Rows", justify="right")
    table.add_column("Columns", overflow="fold")
    table.add_column("Example rows", overflow="fold")
    for stat in shown:
        columns = ", ".join(name for name, _ in stat.columns.most_common(3))
        if len(stat.columns) > 3:
            columns += f" (+{len(stat.columns) - 3} more)"
        examples = ", ".join(str(n) for n in stat.examples)
        table.add_row(stat.code, f"{stat.rows:,}", Text(columns), examples)
    table.caption = "Row 1 is the first data row after the header."
    return table
