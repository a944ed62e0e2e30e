"""bench.wal_commits on a tiny file: every unique row is inserted, whatever the chunking."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.generate import generate
from bench.raw import TABLE
from bench.wal_commits import trial, unique_rows


def test_every_case_inserts_every_unique_row(tmp_path: Path) -> None:
    csv_path = tmp_path / "leads.csv"
    generate(csv_path, 300)
    sql, rows = unique_rows(csv_path)
    assert 250 < len(rows) <= 300
    db = tmp_path / "db" / "records.sqlite"
    for chunk, checkpoint in ((0, None), (50, 1000), (50, None)):
        assert trial(db, sql, rows, chunk, checkpoint) > 0
        with sqlite3.connect(db) as conn:
            assert conn.execute(f'SELECT count(*) FROM "{TABLE}"').fetchone() == (len(rows),)
