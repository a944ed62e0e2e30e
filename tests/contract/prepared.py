"""The contract harness's new org, made once per session and copied into each test's database.

A new org makes its standard modules' tables (``domain/standard_modules.py``): the most costly
step of a test's setup. ``create_org`` runs once per store, in a migrated database that each
test then gets a copy of (SQLite: the database file; PostgreSQL: a template database), so every
test still starts with exactly what a new org gets, without paying for it each time.

A copy's org is handed out once (``take``): a second harness on the same database makes its own
org, as it always did.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from bulkwrite.bootstrap import build_services
from bulkwrite.services.accounts import NewOrg, create_org
from bulkwrite.services.collaborators import Services
from bulkwrite.settings import Settings
from tests.pg import TestDatabases

TEST_ORG = ("Test Org", "admin@test.example", "Test Admin")

#: PostgreSQL test databases copied from the org template, and the org each holds.
_PG_ORGS: dict[str, NewOrg] = {}
_SQLITE: list[tuple[Path, NewOrg]] = []  # the prepared file, made on first use


def new_test_org(services: Services) -> NewOrg:
    return create_org(services, *TEST_ORG)


def _made_in(settings: Settings) -> NewOrg:
    services = build_services(settings)
    try:
        return new_test_org(services)
    finally:
        services.store.close()


def pg_org_template(databases: TestDatabases) -> tuple[str, NewOrg]:
    """A template database: migrated, with the test org. Its name and the org."""
    made: list[NewOrg] = []
    work = Path(tempfile.mkdtemp(prefix="bw-pg-org-"))
    try:

        def prepare(url: str) -> None:
            made.append(_made_in(Settings(data_dir=work, database_url=url)))

        name = databases.derive_template("org", prepare)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return name, made[0]


def offer_pg_org(url: str, org: NewOrg) -> None:
    """``url``'s database is a copy of the org template: its first harness takes ``org``."""
    _PG_ORGS[url] = org


def withdraw_pg_org(url: str) -> None:
    """The test is over: its database's org, if no harness took it, is no longer offered."""
    _PG_ORGS.pop(url, None)


def _sqlite_prepared() -> tuple[Path, NewOrg]:
    if not _SQLITE:
        work = Path(tempfile.mkdtemp(prefix="bw-sqlite-org-"))
        atexit.register(shutil.rmtree, work, True)
        settings = Settings(data_dir=work / "data")
        org = _made_in(settings)
        leftovers = [p.name for p in settings.sqlite_path.parent.glob("*-wal") if p.stat().st_size]
        assert not leftovers, f"the prepared database was not checkpointed: {leftovers}"
        _SQLITE.append((settings.sqlite_path, org))
    return _SQLITE[0]


def take(settings: Settings) -> NewOrg | None:
    """The prepared org of the database ``settings`` name, put in place; None when that
    database is not a fresh one the org can be given to (the caller then makes one)."""
    if settings.uses_postgres:
        return _PG_ORGS.pop(settings.database_url, None)
    target = settings.sqlite_path
    if target.exists():
        return None
    source, org = _sqlite_prepared()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return org
