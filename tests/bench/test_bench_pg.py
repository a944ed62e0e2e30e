"""The benchmark's PostgreSQL side: the twin file, the raw COPY ceilings (on the very table
bulkwrite's store makes), the --backends option, the report, and one tiny run end to end.

Tests that need the server skip when it is unreachable, except in CI (``CI=true``).
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from rich.console import Console

import bench.pgdb
from bench.e2e import BenchError
from bench.generate import KEY, generate
from bench.pgdb import PREFIX, fresh_database
from bench.pgraw import TABLE, connect, raw_pg_insert, raw_pg_upsert
from bench.raw import JOB_ID
from bench.report import PG_SECTIONS, print_report, summary_table
from bench.run import main, parse_args, with_backends
from bulkwrite.bootstrap import build_services
from bulkwrite.services.accounts import create_org
from bulkwrite.settings import Settings
from bulkwrite.store.postgres.pg_ddl import record_table_name
from tests.pg import admin_url, in_ci, unreachable_reason

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"

COLUMNS = """
    SELECT attname, format_type(atttypid, atttypmod), coalesce(collname, '')
    FROM pg_attribute LEFT JOIN pg_collation c ON c.oid = attcollation AND attcollation <> 0
    WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
"""
INDEXES = """
    SELECT i.indisunique, i.indisprimary, pg_get_indexdef(i.indexrelid, 1, true)
    FROM pg_index i WHERE i.indrelid = %s::regclass ORDER BY 3
"""


@pytest.fixture(scope="module")
def pg_url() -> str:
    url = admin_url()
    reason = unreachable_reason(url)
    if reason is not None:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: the PostgreSQL bench tests must run)")
        pytest.skip(reason)
    return url


@pytest.fixture
def database(pg_url: str) -> Iterator[str]:
    with fresh_database(pg_url) as url:
        yield url


def emails(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as source:
        return {row[KEY] for row in csv.DictReader(source)}


def bench_databases(url: str, prefix: str = PREFIX) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
        ).fetchall()
    return {str(row[0]) for row in rows}


def test_the_twin_file_shares_no_email_and_has_the_same_defects(tmp_path: Path) -> None:
    main_file = generate(tmp_path / "a.csv", 3_000, bad=0.05, seed=2)
    twin = generate(tmp_path / "b.csv", 3_000, bad=0.05, seed=2, first=3_001)
    assert not emails(main_file.path) & emails(twin.path)
    assert len(emails(twin.path)) == 3_000
    assert (twin.rows, twin.bad_rows, twin.defects) == (
        main_file.rows,
        main_file.bad_rows,
        main_file.defects,
    )


def test_the_raw_table_is_the_one_bulkwrite_makes_for_leads(database: str, tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path / "data", database_url=database))
    try:
        org = create_org(services, "Bench Org", "admin@bench.example", "Bench Admin")
    finally:
        services.store.close()
    connect(database).close()
    store_table = record_table_name(org.org.id, "Leads")
    with psycopg.connect(database) as conn:
        ours = conn.execute(COLUMNS, (TABLE,)).fetchall()
        theirs = conn.execute(COLUMNS, (store_table,)).fetchall()
        assert ours == theirs
        assert ("Email", "text", "C") in ours
        our_indexes = conn.execute(INDEXES, (TABLE,)).fetchall()
        assert our_indexes == conn.execute(INDEXES, (store_table,)).fetchall()
    assert (True, False, '"Email"') in our_indexes  # the unique index the upsert conflicts on


def test_raw_copy_and_staged_upsert_write_every_row(database: str, tmp_path: Path) -> None:
    source = generate(tmp_path / "leads.csv", 2_000, bad=0.2, seed=5)
    conn = connect(database)
    try:
        inserted = raw_pg_insert(conn, source.path)
        upserted = raw_pg_upsert(conn, source.path)
        jobs = conn.execute(f"SELECT _job, count(*) FROM {TABLE} GROUP BY _job").fetchall()
        stored = {str(row[0]) for row in conn.execute(f'SELECT "Email" FROM {TABLE}')}
        first = conn.execute(
            f'SELECT "No_of_Employees", "Annual_Revenue", "_off_Created_Time" FROM {TABLE} '
            "ORDER BY id LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    assert inserted.rows == inserted.records_after == 2_000
    assert set(inserted.phases) == {"copy", "commit"}
    assert upserted.rows == upserted.records_after == 2_000  # every row updated its record
    assert set(upserted.phases) == {"copy", "upsert", "commit"}
    assert jobs == [(JOB_ID + 1, 2_000)]
    assert stored == emails(source.path)
    assert first is not None
    assert isinstance(first[0], int | None) and isinstance(first[1], float) and first[2] == 0


def test_the_bench_database_is_dropped_even_after_an_error(pg_url: str) -> None:
    with pytest.raises(RuntimeError), fresh_database(pg_url) as url:
        name = url.rsplit("/", 1)[1]
        assert name in bench_databases(pg_url)
        raise RuntimeError("boom")
    assert name not in bench_databases(pg_url)


@pytest.mark.parametrize(
    ("given", "backends"),
    [
        (None, None),
        ("sqlite", ("sqlite",)),
        ("postgresql", ("postgresql",)),
        ("postgresql, sqlite,postgresql", ("postgresql", "sqlite")),
    ],
)
def test_backends_option(given: str | None, backends: tuple[str, ...] | None) -> None:
    argv = [] if given is None else ["--backends", given]
    assert parse_args(argv).backends == backends


@pytest.mark.parametrize("given", ["mysql", "", "sqlite,oracle"])
def test_backends_option_refuses_others(given: str) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--backends", given])


def test_unreachable_postgresql_is_left_out_by_default_and_an_error_when_asked() -> None:
    console = Console(file=None, quiet=True)
    default = parse_args(["--pg-url", UNREACHABLE])
    assert with_backends(default, console).backends == ("sqlite",)
    sqlite_only = parse_args(["--pg-url", UNREACHABLE, "--backends", "sqlite"])
    assert with_backends(sqlite_only, console).backends == ("sqlite",)
    asked = parse_args(["--pg-url", UNREACHABLE, "--backends", "sqlite,postgresql"])
    with pytest.raises(BenchError, match="unreachable"):
        with_backends(asked, console)


def test_the_postgresql_table_shows_what_the_summary_holds() -> None:
    figures = [f for _, section in PG_SECTIONS for f in section]
    assert len({f.key for f in figures}) == len(figures)
    summary = {
        "pg_raw_insert_rows_per_second": {"min": 1.0, "median": 2.0, "max": 3.0},
        "pg_workers_1_insert_ratio": {"min": 0.5, "median": 0.5, "max": float("nan")},
    }
    console = Console(width=120, record=True)
    table = summary_table(summary, "pg", PG_SECTIONS)
    assert table is not None and table.row_count == 4  # two headings, two figures
    console.print(table)
    text = console.export_text()
    assert "raw PostgreSQL COPY insert" in text and "insert: bulkwrite / raw COPY" in text
    assert summary_table({}, "pg", PG_SECTIONS) is None
    assert summary_table(summary, "sqlite") is None  # no SQLite figure in it


def test_a_report_without_sqlite_prints_only_postgresql() -> None:
    console = Console(width=120, record=True)
    document = {
        "config": {"rows": 10, "runs": 1},
        "summary": {"pg_raw_insert_rows_per_second": {"min": 1.0, "median": 1.0, "max": 1.0}},
    }
    print_report(console, document)
    text = console.export_text()
    assert "raw PostgreSQL" in text and "raw SQLite" not in text


@pytest.mark.slow
def test_a_tiny_postgresql_run_end_to_end(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This run's databases get a prefix of their own: other benchmark runs on the same server
    # make and drop theirs meanwhile.
    prefix = f"{PREFIX}t{uuid.uuid4().hex[:6]}_"
    monkeypatch.setattr(bench.pgdb, "PREFIX", prefix)
    out = tmp_path / "results.json"
    argv = ["--rows", "400", "--runs", "1", "--backends", "postgresql", "--pg-url", pg_url]
    argv += ["--out", str(out), "--workdir", str(tmp_path / "work")]
    assert main(argv) == 0
    document = json.loads(out.read_text())
    assert document["problems"] == []
    assert document["config"]["backends"] == ["postgresql"]
    assert "raw_insert_rows_per_second" not in document["summary"]  # no SQLite this time
    run = document["runs"][0]["postgresql"]
    assert run["workers_1"]["insert"]["counts"]["total"] == 400
    pair = run["workers_2_jobs_2"]["insert"]
    assert pair["jobs"] == 2 and pair["rows"] == 800
    assert document["summary"]["pg_workers_2_jobs_2_insert_rows_per_second"]["median"] > 0
    assert document["machine"]["postgresql"]["version"]
    assert bench_databases(pg_url, prefix) == set()  # every database of the run was dropped
