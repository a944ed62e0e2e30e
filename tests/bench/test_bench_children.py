"""bench.children: its files, its raw tables (those the store makes), its checks, and one tiny
run end to end on each store (PostgreSQL skipped when unreachable, except in CI)."""

from __future__ import annotations

import csv
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bench.children import Files, checks, run_all
from bench.children_data import (
    ITEM_HEADER,
    ITEMS_CSV,
    QUOTE_HEADER,
    QUOTES_CSV,
    write_children,
    write_deals,
    write_setup,
)
from bench.children_raw import TABLES, sqlite_ceiling
from bulkwrite.bootstrap import build_services
from bulkwrite.services.accounts import create_org
from bulkwrite.settings import Settings
from tests.pg import admin_url, in_ci, unreachable_reason


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_the_zip_holds_quotes_and_their_items_in_quote_order(tmp_path: Path) -> None:
    files = write_children(tmp_path, 50, 3, seed=4)
    with zipfile.ZipFile(files.zip_path) as packed:
        assert sorted(packed.namelist()) == sorted([QUOTES_CSV, ITEMS_CSV])
    quotes, items = _rows(files.quotes_csv), _rows(files.items_csv)
    assert quotes[0] == list(QUOTE_HEADER) and items[0] == list(ITEM_HEADER)
    subjects = [q[0] for q in quotes[1:]]
    assert len(set(subjects)) == 50 == files.quotes
    assert [i[0] for i in items[1:]] == [s for s in subjects for _ in range(3)]
    assert files.items == 150
    assert any(i[3] == "" for i in items[1:])  # some List_Price left to the product's price
    (tmp_path / "again").mkdir()
    again = write_children(tmp_path / "again", 50, 3, seed=4)
    assert _rows(again.items_csv) == items  # the same seed, the same bytes


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    return [tuple(row[1:3]) for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _indexes(conn: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    found = []
    for _, name, unique, *_ in conn.execute(f'PRAGMA index_list("{table}")'):
        columns = tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{name}")'))
        found.append((bool(unique), columns))
    return sorted(found)


def test_the_raw_tables_are_those_the_store_makes(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path / "data"))
    try:
        org = create_org(services, "Bench Org", "admin@bench.example", "Bench Admin")
        with services.store.transaction(write=False) as tx:
            theirs = {name: tx.record_table(org.org.id, name) for name in TABLES}
    finally:
        services.store.close()
    write_setup(tmp_path)
    files = write_children(tmp_path, 10, 2)
    raw = sqlite_ceiling(tmp_path / "raw.sqlite3", files, write_deals(tmp_path / "d.csv", 20))
    store = sqlite3.connect(tmp_path / "data" / "bulkwrite.sqlite3")
    ours = sqlite3.connect(tmp_path / "raw.sqlite3")
    try:
        for name, table in TABLES.items():
            assert _columns(ours, table) == _columns(store, theirs[name]), name
            assert _indexes(ours, table) == _indexes(store, theirs[name]), name
        assert (False, ("Parent_Id",)) in _indexes(ours, TABLES["Quoted_Items"])
        grand, sub = ours.execute(
            f'SELECT sum("Grand_Total"), sum("Sub_Total") FROM {TABLES["Quotes"]}'
        ).fetchone()
        (net,) = ours.execute(f'SELECT sum("Net_Total") FROM {TABLES["Quoted_Items"]}').fetchone()
        counts = [ours.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES.values()]
    finally:
        store.close()
        ours.close()
    assert counts == [10, 20, 20]
    assert grand == pytest.approx(net) and sub == pytest.approx(net)
    assert raw.net_total == pytest.approx(net) and net > 0


def test_the_checks_catch_a_wrong_total_and_a_skipped_row(tmp_path: Path) -> None:
    files = write_children(tmp_path, 2, 2)
    stored = {"quotes": 2, "items": 4, "grand_total": 10.0, "sub_total": 10.0, "net_total": 10.0}
    job = {
        "counts": [{"added": 2, "skipped": 0}, {"added": 4, "skipped": 0}],
        "deals": {"counts": {"added": 4}},
        "stored": stored,
    }
    every = Files(files, tmp_path / "d.csv", tmp_path / "a.csv", tmp_path / "p.csv")
    assert checks("run", {"bulkwrite": job}, every, 10.0) == []
    job["stored"] = stored | {"grand_total": 9.0}
    job["counts"][1] = {"added": 3, "skipped": 1}
    problems = checks("run", {"bulkwrite": job}, every, 10.0)
    assert len(problems) == 2 and "grand_total" in problems[1]


def _tiny(tmp_path: Path, backend: str, admin: str) -> None:
    document = run_all(12, 3, 1, [backend], admin, tmp_path)
    assert document["problems"] == []
    (run,) = document[backend]["runs"]
    assert [c["added"] for c in run["bulkwrite"]["counts"]] == [12, 36]
    assert run["bulkwrite"]["stored"]["items"] == 36
    assert run["figures"]["child_rows_per_second"] > 0


@pytest.mark.slow
def test_a_tiny_run_on_sqlite(tmp_path: Path) -> None:
    _tiny(tmp_path, "sqlite", admin_url())


@pytest.mark.slow
def test_a_tiny_run_on_postgresql(tmp_path: Path) -> None:
    url = admin_url()
    reason = unreachable_reason(url)
    if reason is not None:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: the PostgreSQL bench tests must run)")
        pytest.skip(reason)
    _tiny(tmp_path, "postgresql", url)
