"""One test body, every store and queue implementation.

PostgreSQL tests run on a fresh database per test, copied from a template migrated once per
session (``tests/pg.py``; server: ``BULKWRITE_TEST_PG``). An unreachable server skips them with
the reason printed, except in CI (``CI=true``), where it fails them.

A harness's org is made once per session and copied with the database (``prepared.py``): the
``database_url`` of a test holds that org unless the test asks for the bare ``store``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest

from bulkwrite.bootstrap import build_services, open_store
from bulkwrite.queue.inprocess import ThreadQueue
from bulkwrite.queue.protocol import NoQueue
from bulkwrite.services.accounts import NewOrg
from bulkwrite.services.collaborators import Services
from bulkwrite.services.run.split import prepare_chunk, run_split
from bulkwrite.settings import Settings
from bulkwrite.store.base import Store
from bulkwrite.worker.embedded import EmbeddedWorker
from tests.contract.harness import Harness
from tests.contract.prepared import (
    new_test_org,
    offer_pg_org,
    pg_org_template,
    take,
    withdraw_pg_org,
)
from tests.pg import TestDatabases, databases_on_test_server

STORES = ["sqlite", "postgresql"]


def make_harness(
    tmp_path: Path, store: str, database_url: str = "", split: bool = False, **settings: object
) -> Harness:
    """``split``: jobs run as on many workers (``services/run/split.py``), their chunks
    converted in reverse order, so each is written only once every chunk is prepared."""
    assert store in STORES
    assert (store == "postgresql") == database_url.startswith("postgresql://")
    settings.setdefault("callback_allow", "127.0.0.0/8")  # test receivers listen there
    settings.setdefault("callback_retry_base_seconds", 0.05)
    config = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        **settings,  # type: ignore[arg-type]
    )
    org = take(config)
    services = build_services(config)
    worker = EmbeddedWorker(services)
    if split:
        worker.queue = services.queue = ThreadQueue(partial(run_split_backwards, services))
    worker.start()
    if org is None:
        org = new_test_org(services)
    uploads = tmp_path / "in"
    uploads.mkdir()
    return Harness(services, worker, org, uploads)


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[TestDatabases]:
    """The session's PostgreSQL server, with a migrated template database."""
    yield from databases_on_test_server("the PostgreSQL contract tests")


@pytest.fixture(scope="session")
def pg_org_databases(pg_databases: TestDatabases) -> tuple[str, NewOrg]:
    """The template with the harness's org made in it, and that org."""
    return pg_org_template(pg_databases)


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(store_kind: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The test's own database: for SQLite a file under tmp_path (made by the first store
    opened), else a fresh copy of the migrated template, holding the harness's org unless the
    test uses the bare ``store`` fixture."""
    if store_kind == "sqlite":
        yield ""
        return
    databases: TestDatabases = request.getfixturevalue("pg_databases")
    if "store" in request.fixturenames:
        name, url = databases.copy_of_template()
    else:
        template, org = request.getfixturevalue("pg_org_databases")
        name, url = databases.copy_of(template)
        offer_pg_org(url, org)
    try:
        yield url
    finally:
        withdraw_pg_org(url)
        databases.release(name)


@contextmanager
def waiting_harness(
    tmp_path: Path, store: str, database_url: str = "", **settings: object
) -> Iterator[Harness]:
    """A harness with no worker: its jobs wait for the test to run them, step by step."""
    made = make_harness(tmp_path, store, database_url, **settings)
    made.worker.stop()
    made.services.queue = NoQueue()
    try:
        yield made
    finally:
        made.services.store.close()


def run_split_backwards(services: Services, job_id: str) -> None:
    """A split job's tasks in the worst order: every chunk converted, the last first."""
    run_split(services, job_id)
    with services.store.transaction(write=False) as tx:
        plans = tx.chunk_plans(job_id)
    for plan in reversed(plans):
        prepare_chunk(services, job_id, plan.chunk_no)


@pytest.fixture(params=["sequential", "process", "split"])
def runner_kind(request: pytest.FixtureRequest, store_kind: str) -> str:
    """How jobs run: one worker through the chunks, converting the next on a thread or in a
    child process (``convert_process``); or split across workers (PostgreSQL deployments; run
    here over SQLite too, as the store contract is the same)."""
    return str(request.param)


@pytest.fixture
def harness(
    tmp_path: Path, store_kind: str, database_url: str, runner_kind: str
) -> Iterator[Harness]:
    split, process = runner_kind == "split", runner_kind == "process"
    made = make_harness(
        tmp_path, store_kind, database_url, split=split, chunk_size=3, convert_process=process
    )
    try:
        yield made
    finally:
        made.worker.stop()
        made.services.store.close()


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[Store]:
    """The test's store, migrated, with no services around it."""
    made = open_store(Settings(data_dir=tmp_path / "data", database_url=database_url))
    made.migrate()
    try:
        yield made
    finally:
        made.close()
