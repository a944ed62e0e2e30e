"""What committing every chunk costs SQLite, apart from the pipeline: the benchmark's Leads rows
inserted by ``executemany`` into the table bulkwrite makes (``bench/raw.py``), in one transaction
against transactions of ``--chunk`` rows with SQLite's default WAL checkpointing (every 1,000
pages) and with the store's (``PRAGMAS``). Trials alternate; prints seconds and medians.

    .venv/bin/python -m bench.wal_commits --rows 1000000 --trials 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import KEY, generate
from bench.raw import connect, data_rows, insert_columns, insert_statement, new_record

Rows = list[tuple[object, ...]]


def unique_rows(csv_path: Path) -> tuple[str, Rows]:
    """The insert statement and the file's rows as parameters, the first row of each key only
    (a repeated key would break the unique index)."""
    key = insert_columns(csv_path).index(KEY)
    seen: set[object] = set()
    rows: Rows = []
    for row in data_rows(csv_path, new_record):
        if row[key] is not None and row[key] not in seen:
            seen.add(row[key])
            rows.append(row)
    return insert_statement(csv_path), rows


def trial(db: Path, sql: str, rows: Rows, chunk: int, checkpoint: int | None) -> float:
    """Seconds to insert ``rows`` in transactions of ``chunk`` rows (0: one transaction);
    ``checkpoint``: the WAL autocheckpoint in pages (None: the store's ``PRAGMAS``)."""
    conn = connect(db)
    if checkpoint is not None:
        conn.execute(f"PRAGMA wal_autocheckpoint={checkpoint}")
    size = chunk or len(rows)
    start = time.perf_counter()
    for first in range(0, len(rows), size):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows[first : first + size])
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        csv_path = Path(work) / "leads.csv"
        generate(csv_path, args.rows)
        sql, rows = unique_rows(csv_path)
        db = Path(work) / "db" / "records.sqlite"
        cases: dict[str, Callable[[], float]] = {
            "one transaction": lambda: trial(db, sql, rows, 0, None),
            f"{args.chunk} rows a commit, checkpoint every 1,000 pages": lambda: trial(
                db, sql, rows, args.chunk, 1000
            ),
            f"{args.chunk} rows a commit, the store's PRAGMAS": lambda: trial(
                db, sql, rows, args.chunk, None
            ),
        }
        seconds: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.trials):
            for name, run in cases.items():
                seconds[name].append(run())
    print(f"{len(rows):,} rows")
    for name, values in seconds.items():
        runs = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:55s} {runs}  median {statistics.median(values):.2f} s")


if __name__ == "__main__":
    main()
