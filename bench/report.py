"""The benchmark's output: machine facts, the summary table, the JSON file."""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

import bulkwrite

MIB = 1024 * 1024


@dataclass(frozen=True)
class Figure:
    """One line of the table: a key of the summary, its label, unit and how to print it."""

    key: str
    label: str
    unit: str
    digits: int = 0


FIGURES = (
    Figure("raw_insert_rows_per_second", "raw SQLite insert", "rows/s"),
    Figure("raw_upsert_rows_per_second", "raw SQLite upsert", "rows/s"),
    Figure("bulkwrite_insert_rows_per_second", "bulkwrite insert, end to end", "rows/s"),
    Figure("bulkwrite_upsert_rows_per_second", "bulkwrite upsert, end to end", "rows/s"),
    Figure("insert_ratio", "insert: bulkwrite / raw", "x", 3),
    Figure("upsert_ratio", "upsert: bulkwrite / raw", "x", 3),
    Figure("insert_upload_seconds", "insert: upload", "s", 2),
    Figure("insert_processing_seconds", "insert: create → COMPLETED", "s", 2),
    Figure("insert_download_seconds", "insert: download result", "s", 2),
    Figure("insert_server_cpu_share", "insert: server CPU / wall", "cores", 2),
    Figure("zoho_25k_seconds", "25,000-row job, upload → COMPLETED", "s", 2),
    Figure("details_p50_ms", "job details during insert, p50", "ms", 1),
    Figure("details_p99_ms", "job details during insert, p99", "ms", 1),
    Figure("peak_rss_mib", "peak RSS during insert, server + converter", "MiB", 0),
    Figure("own_peak_rss_mib", "peak RSS during insert, server process", "MiB", 0),
)
#: The PostgreSQL table, in sections: (title, figures).
PG_SECTIONS: tuple[tuple[str, tuple[Figure, ...]], ...] = (
    (
        "raw PostgreSQL",
        (
            Figure("pg_raw_insert_rows_per_second", "raw PostgreSQL COPY insert", "rows/s"),
            Figure("pg_raw_upsert_rows_per_second", "raw PostgreSQL staged upsert", "rows/s"),
            Figure("pg_raw_upsert_copy_seconds", "raw upsert: COPY into staging", "s", 2),
            Figure("pg_raw_upsert_statement_seconds", "raw upsert: INSERT … ON CONFLICT", "s", 2),
        ),
    ),
    *(
        (
            title,
            (
                Figure(f"pg_{setup}_insert_rows_per_second", f"{what} insert", "rows/s"),
                Figure(f"pg_{setup}_upsert_rows_per_second", f"{what} upsert", "rows/s"),
                Figure(f"pg_{setup}_insert_ratio", "insert: bulkwrite / raw COPY", "x", 3),
                Figure(f"pg_{setup}_upsert_ratio", "upsert: bulkwrite / raw upsert", "x", 3),
            ),
        )
        for setup, title, what in (
            ("workers_1", "bulkwrite, 1 worker, end to end", "bulkwrite"),
            ("workers_2", "bulkwrite, 2 workers, 1 job", "bulkwrite"),
            ("workers_2_jobs_2", "bulkwrite, 2 workers, 2 jobs at once", "aggregate"),
        )
    ),
    (
        "scaling and backends",
        (
            Figure("pg_insert_scaling", "insert: 2 jobs 2 workers / 1 job 1", "x", 2),
            Figure("pg_upsert_scaling", "upsert: 2 jobs 2 workers / 1 job 1", "x", 2),
            Figure("pg_insert_vs_sqlite", "insert: bulkwrite PG / SQLite", "x", 2),
            Figure("pg_upsert_vs_sqlite", "upsert: bulkwrite PG / SQLite", "x", 2),
        ),
    ),
    (
        "where the time goes (1 worker)",
        (
            Figure("pg_workers_1_insert_upload_seconds", "insert: upload", "s", 2),
            Figure("pg_workers_1_insert_processing_seconds", "insert: create → COMPLETED", "s", 2),
            Figure("pg_workers_1_insert_download_seconds", "insert: download result", "s", 3),
            *(
                Figure(f"pg_{step}_{who}_cpu_share", f"{label}: {name} CPU / wall", "cores", 2)
                for step, label in (
                    ("workers_1_insert", "insert"),
                    ("workers_1_upsert", "upsert"),
                    ("raw_insert", "raw COPY"),
                    ("raw_upsert", "raw upsert"),
                )
                for who, name in (
                    ("worker", "worker"),
                    ("backend", "PG backends"),
                    ("server", "PG server"),
                    ("api", "API"),
                )
            ),
            Figure("pg_raw_insert_wal_mib", "WAL written: raw COPY insert", "MiB", 0),
            Figure("pg_workers_1_insert_wal_mib", "WAL written: bulkwrite insert", "MiB", 0),
            Figure("pg_raw_upsert_wal_mib", "WAL written: raw upsert", "MiB", 0),
            Figure("pg_workers_1_upsert_wal_mib", "WAL written: bulkwrite upsert", "MiB", 0),
            Figure("pg_workers_1_details_p50_ms", "job details during insert, p50", "ms", 1),
            Figure("pg_workers_1_details_p99_ms", "job details during insert, p99", "ms", 1),
            Figure("pg_workers_1_api_peak_rss_mib", "API peak RSS during insert", "MiB", 0),
            Figure("pg_workers_1_worker_peak_rss_mib", "worker peak RSS during insert", "MiB", 0),
        ),
    ),
)
BIG_FIGURES = (
    Figure("raw_rows_per_second", "raw SQLite insert", "rows/s"),
    Figure("rows_per_second", "insert, end to end", "rows/s"),
    Figure("insert_ratio", "insert: bulkwrite / raw", "x", 3),
    Figure("job_only_ratio", "insert, job only: bulkwrite / raw", "x", 3),
    Figure("upload_seconds", "upload", "s", 2),
    Figure("processing_seconds", "create → COMPLETED", "s", 1),
    Figure("details_p99_ms", "job details p99", "ms", 1),
    Figure("peak_rss_mib", "peak RSS, server + converter", "MiB", 0),
    Figure("own_peak_rss_mib", "peak RSS, server process", "MiB", 0),
)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def machine_facts() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_bytes": psutil.virtual_memory().total,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "bulkwrite": getattr(bulkwrite, "__version__", ""),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_after": os.getloadavg(),
    }


def _cell(value: float, digits: int) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


def summary_table(
    summary: dict[str, dict[str, float]],
    title: str,
    sections: tuple[tuple[str, tuple[Figure, ...]], ...] = (("", FIGURES),),
) -> Table | None:
    """The figures of ``sections`` that ``summary`` holds (None if it holds none)."""
    table = Table(title=title)
    table.add_column("measurement")
    for name in ("min", "median", "max"):
        table.add_column(name, justify="right")
    table.add_column("unit")
    shown = 0
    for heading, figures in sections:
        present = [f for f in figures if f.key in summary]
        if not present:
            continue
        if heading:
            if shown:
                table.add_section()
            table.add_row(f"[bold]{heading}[/]", "", "", "", "")
        for figure in present:
            spread = summary[figure.key]
            cells = [_cell(spread[k], figure.digits) for k in ("min", "median", "max")]
            table.add_row(figure.label, *cells, figure.unit)
            shown += 1
    return table if shown else None


def big_table(big: dict[str, float], rows: int) -> Table:
    table = Table(title=f"one big insert — {rows:,} rows")
    table.add_column("measurement")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for figure in BIG_FIGURES:
        table.add_row(figure.label, _cell(big[figure.key], figure.digits), figure.unit)
    return table


def print_report(console: Console, document: dict[str, Any]) -> None:
    config = document["config"]
    size = f"{config['rows']:,} rows, {config['runs']} run(s)"
    for table in (
        summary_table(document["summary"], f"bulkwrite vs raw SQLite — {size}"),
        summary_table(document["summary"], f"bulkwrite vs raw PostgreSQL — {size}", PG_SECTIONS),
    ):
        if table is not None:
            console.print(table)
    if document.get("big"):
        console.print(big_table(document["big"]["figures"], config["big_rows"]))
    for problem in document.get("problems", []):
        console.print(f"[bold red]check failed:[/] {problem}")


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_finite(document), indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def _finite(value: Any) -> Any:
    """The document with every NaN or infinity as ``null`` (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
