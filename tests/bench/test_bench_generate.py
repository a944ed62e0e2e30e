"""The benchmark's CSV generator: deterministic, the size asked for, the bad share asked for.

Good and bad are judged here by bulkwrite's own cell converters and the Leads module's
mandatory fields, not by the generator's word, so a "bad" row is one the importer refuses.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.generate import HEADER, KEY, MODULE, generate, main
from bench.raw import connect, raw_insert, raw_upsert
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.importer.convert import INVALID, make_converter


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as source:
        header, *rows = list(csv.reader(source))
    return header, rows


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leads_judge() -> Callable[[list[str]], bool]:
    """A row -> is it bad, as the importer sees it (header mapping, insert)."""
    (leads,) = [m for m in standard_modules() if m.api_name == MODULE]
    fields = [leads.by_name[name] for name in HEADER]
    converters = [make_converter(f) for f in fields]
    mandatory = [i for i, f in enumerate(fields) if f.mandatory]

    def is_bad(row: list[str]) -> bool:
        if any(not row[i].strip() for i in mandatory):
            return True
        return any(
            cell.strip() and convert(cell) is INVALID
            for cell, convert in zip(row, converters, strict=True)
        )

    return is_bad


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    one = generate(tmp_path / "a.csv", 2_000, seed=7)
    two = generate(tmp_path / "b.csv", 2_000, seed=7)
    other = generate(tmp_path / "c.csv", 2_000, seed=8)
    assert digest(one.path) == digest(two.path)
    assert (one.rows, one.bad_rows, one.defects, one.bytes) == (
        two.rows,
        two.bad_rows,
        two.defects,
        two.bytes,
    )
    assert digest(other.path) != digest(one.path)


def test_a_shorter_file_is_a_prefix_of_a_longer_one(tmp_path: Path) -> None:
    short = generate(tmp_path / "short.csv", 300, seed=3)
    long = generate(tmp_path / "long.csv", 1_000, seed=3)
    assert read_rows(long.path)[1][:300] == read_rows(short.path)[1]


@pytest.mark.parametrize("rows", [0, 1, 5_000])
def test_writes_the_requested_rows_each_as_wide_as_the_header(tmp_path: Path, rows: int) -> None:
    summary = generate(tmp_path / "leads.csv", rows, seed=1)
    header, data = read_rows(summary.path)
    assert header == list(HEADER)
    assert len(data) == rows == summary.rows
    assert all(len(row) == len(header) for row in data)
    assert summary.bytes == summary.path.stat().st_size


@pytest.mark.parametrize("bad", [0.0, 0.02, 0.1])
def test_bad_share_is_close_to_the_requested_one(tmp_path: Path, bad: float) -> None:
    rows = 20_000
    summary = generate(tmp_path / "leads.csv", rows, bad=bad, seed=11)
    _, data = read_rows(summary.path)
    is_bad = leads_judge()
    judged = sum(1 for row in data if is_bad(row))
    assert judged == summary.bad_rows  # the importer agrees with the generator, row for row
    assert abs(judged / rows - bad) <= 0.005
    if bad:
        assert set(summary.defects) == {
            "invalid_email",
            "missing_mandatory",
            "integer_out_of_range",
            "bad_picklist",
            "mixed",
        }


def test_keys_are_unique_and_cells_are_realistic(tmp_path: Path) -> None:
    summary = generate(tmp_path / "leads.csv", 5_000, seed=2)
    _, data = read_rows(summary.path)
    key = HEADER.index(KEY)
    assert len({row[key] for row in data}) == len(data)
    cells = [cell for row in data for cell in row]
    assert any("\n" in cell for cell in cells)
    assert any('"' in cell for cell in cells)
    assert any("," in cell for cell in cells)
    assert any(not cell.isascii() for cell in cells)


def test_command_line(tmp_path: Path) -> None:
    out = tmp_path / "cli" / "leads.csv"
    assert main(["--rows", "50", "--bad", "0.5", "--seed", "4", "-o", str(out)]) == 0
    assert digest(out) == digest(generate(tmp_path / "api.csv", 50, bad=0.5, seed=4).path)


def test_refuses_a_share_outside_zero_to_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        generate(tmp_path / "x.csv", 10, bad=1.5)
    assert not (tmp_path / "x.csv").exists()


def test_every_row_fits_the_raw_leads_table_bad_ones_included(tmp_path: Path) -> None:
    """The raw ceiling writes every row: bad cells must still be storable and keys unique."""
    summary = generate(tmp_path / "leads.csv", 2_000, bad=0.2, seed=5)
    conn = connect(tmp_path / "raw.sqlite3")
    try:
        inserted = raw_insert(conn, summary.path)
        upserted = raw_upsert(conn, summary.path)
    finally:
        conn.close()
    assert inserted.rows == inserted.records_after == 2_000
    assert upserted.rows == 2_000  # every row met its own record again: all updates
    assert upserted.records_after == 2_000
