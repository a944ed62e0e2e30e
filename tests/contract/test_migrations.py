"""Versioned migrations, per store: a fresh database ends at the latest version, upgrades are
idempotent, pending ones apply in order; and ``bulkwrite db status|upgrade`` say so."""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from bulkwrite.bootstrap import build_services, open_store
from bulkwrite.cli.main import app
from bulkwrite.clock import iso
from bulkwrite.services.accounts import create_org
from bulkwrite.settings import Settings
from tests.pg import TestDatabases

MIGRATION_MODULES = {
    "sqlite": "bulkwrite.store.sqlite.sqlite_store",
    "postgresql": "bulkwrite.store.postgres.pg_store",
}
#: A migration whose effect the Store protocol can see: an org row.
EXTRA_MIGRATION = (
    "INSERT INTO orgs (id, zgid, name, created_time) "
    "VALUES (1, '1', 'Migrated', '2026-11-28T00:00:00+00:00')"
)


@pytest.fixture
def empty_url(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database no migration has touched."""
    if store_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    databases: TestDatabases = request.getfixturevalue("pg_databases")
    name, url = databases.create()
    try:
        yield url
    finally:
        databases.release(name)


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=url)


def test_a_fresh_database_ends_at_the_latest_version(tmp_path: Path, empty_url: str) -> None:
    store = open_store(_settings(tmp_path, empty_url))
    try:
        latest = store.latest_version()
        assert latest >= 1
        assert store.schema_version() == 0
        assert store.migrate() == latest
        assert store.schema_version() == latest
        assert store.migrate() == latest  # idempotent
        assert store.schema_version() == latest
        with store.transaction() as tx:
            tx.create_org("After")
            assert [o.name for o in tx.list_orgs()] == ["After"]
    finally:
        store.close()


def test_pending_migrations_apply_once_in_order(
    tmp_path: Path, empty_url: str, store_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, empty_url)
    store = open_store(settings)
    latest = store.migrate()
    store.close()
    module = MIGRATION_MODULES[store_kind]
    migrations = importlib.import_module(module).MIGRATIONS
    monkeypatch.setattr(f"{module}.MIGRATIONS", (*migrations, EXTRA_MIGRATION))
    store = open_store(settings)
    try:
        assert (store.schema_version(), store.latest_version()) == (latest, latest + 1)
        assert store.migrate() == latest + 1
        assert store.migrate() == latest + 1
        assert store.schema_version() == latest + 1
        with store.transaction(write=False) as tx:
            assert [o.name for o in tx.list_orgs()] == ["Migrated"]
    finally:
        store.close()


def test_db_status_and_upgrade_commands(tmp_path: Path, empty_url: str, store_kind: str) -> None:
    latest = len(importlib.import_module(MIGRATION_MODULES[store_kind]).MIGRATIONS)
    runner = CliRunner()
    env = {"BULKWRITE_DATABASE_URL": empty_url, "BULKWRITE_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str) -> str:
        result = runner.invoke(app, ["db", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    if store_kind == "sqlite":  # a file that is not there is refused, not made anew
        missing = runner.invoke(app, ["db", "status"], env=env)
        assert missing.exit_code == 2
        assert "error: no bulkwrite database at " in missing.output
        path = Path(empty_url.removeprefix("sqlite:///"))
        assert not path.exists()
        sqlite3.connect(path).close()  # an empty SQLite file: a database no migration touched
    status = run("status").splitlines()
    assert status[0] == f"database: {empty_url}"
    assert status[1:] == [
        "current: 0",
        f"latest: {latest}",
        f"{latest} pending: run `bulkwrite db upgrade`",
    ]
    assert f": schema version {latest} ({latest} migration" in run("upgrade")
    assert run("upgrade").endswith(f": schema version {latest} (0 migrations applied)\n")
    assert run("status").splitlines()[1:] == [f"current: {latest}", f"latest: {latest}"]


def test_an_unreachable_database_is_one_line_and_status_2() -> None:
    url = "postgresql://bulkwrite:secret@127.0.0.1:1/nowhere"
    result = CliRunner().invoke(app, ["db", "status"], env={"BULKWRITE_DATABASE_URL": url})
    assert result.exit_code == 2
    assert "error: postgresql://bulkwrite:***@127.0.0.1:1/nowhere:" in result.output
    assert "secret" not in result.output


def test_a_database_not_in_utf8_is_refused(tmp_path: Path, pg_databases: TestDatabases) -> None:
    name, url = pg_databases.create(encoding="LATIN1")
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"], env={"BULKWRITE_DATABASE_URL": url})
        assert result.exit_code == 2
        assert "encoding is LATIN1; bulkwrite needs UTF8" in result.output
    finally:
        pg_databases.release(name)


def test_stamp_defaults_reach_record_tables_made_before_them(
    tmp_path: Path, pg_databases: TestDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 4 gives the Created/Modified time columns of existing record tables the
    transaction-time default that new tables get, so COPY may leave them out."""
    from bulkwrite.store.postgres import pg_ddl, pg_store

    name, url = pg_databases.create(template="template0")
    try:
        settings = _settings(tmp_path, url)
        monkeypatch.setattr(pg_store, "MIGRATIONS", pg_ddl.MIGRATIONS[:3])
        services = build_services(settings)
        assert services.store.schema_version() == 3
        org = create_org(services, "Old", "admin@example.com", "Admin").org
        services.store.close()
        monkeypatch.setattr(pg_store, "MIGRATIONS", pg_ddl.MIGRATIONS)
        store = open_store(settings)
        assert store.migrate() == len(pg_ddl.MIGRATIONS)
        with store.transaction() as tx:
            table = tx.record_table(org.id, "Leads")
            frame = pl.DataFrame({"id": [1], "Last_Name": ["Smith"], "Company": ["Acme"]})
            stamp = iso(tx.clock())
            tx.insert_frame(table, frame, {"Created_Time": stamp, "Modified_Time": stamp})
            rows = tx.read_records(table, ["Created_Time", "Modified_Time"], limit=1, offset=0)
        store.close()
        assert rows == [(stamp, stamp)]
    finally:
        pg_databases.release(name)


#: A data directory's database made by bulkwrite before the second table of standard
#: modules (an org of six modules, one Lead "Kept"), by that release's own code.
SIX_MODULES = Path(__file__).parent / "data" / "org-of-six-modules.sqlite3"
SECOND_TABLE = {"Tasks", "Quotes", "Quoted_Items", "Invoices", "Invoiced_Items", "Cases"}


def _module_names(store: object, org_id: str) -> set[str]:
    with store.transaction(write=False) as tx:  # type: ignore[attr-defined]
        return {m.api_name for m in tx.list_modules(org_id)}


def test_an_org_made_before_the_second_table_gets_its_modules_at_start(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SIX_MODULES, data / "bulkwrite.sqlite3")
    services = build_services(Settings(data_dir=data))
    try:
        with services.store.transaction(write=False) as tx:
            (org,) = tx.list_orgs()
            modules = tx.list_modules(org.id)
            rows = tx.read_records(
                tx.record_table(org.id, "Leads"), ["id", "Last_Name"], limit=10, offset=0
            )
        assert rows == [(111111000000999001, "Kept")]  # its data untouched
        assert {m.api_name for m in modules} >= SECOND_TABLE
        assert all(m.layout_id for m in modules)  # the old six get a layout id too
        before = {m.api_name: (m.id, m.layout_id) for m in modules}
    finally:
        services.store.close()
    services = build_services(Settings(data_dir=data))  # a second start changes nothing
    try:
        with services.store.transaction(write=False) as tx:
            again = {m.api_name: (m.id, m.layout_id) for m in tx.list_modules(org.id)}
        assert again == before
    finally:
        services.store.close()


def test_db_upgrade_adds_the_missing_standard_modules(
    tmp_path: Path, empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On either store: an org holding only the first six modules (as an older release made
    it) gets the rest from ``bulkwrite db upgrade``, which names them."""
    from bulkwrite.domain import standard_modules as standard
    from bulkwrite.services import accounts

    settings = _settings(tmp_path, empty_url)
    first_six = standard.standard_modules()[:6]
    monkeypatch.setattr(accounts, "standard_modules", lambda: first_six)
    services = build_services(settings)
    org = create_org(services, "Old", "admin@example.com", "Admin").org
    services.store.close()
    monkeypatch.undo()
    env = {"BULKWRITE_DATABASE_URL": empty_url, "BULKWRITE_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert "added standard module Old.Quoted_Items" in result.output
    store = open_store(settings)
    try:
        assert _module_names(store, org.id) >= SECOND_TABLE
    finally:
        store.close()
    again = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert "added standard module" not in again.output
