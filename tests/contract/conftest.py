"""One test body, every store and queue implementation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bulkwrite.services.accounts import create_org
from bulkwrite.settings import Settings
from bulkwrite.worker import EmbeddedWorker, build_services
from tests.contract.harness import Harness

STORES = ["sqlite"]


def make_harness(tmp_path: Path, store: str, **settings: object) -> Harness:
    assert store == "sqlite"
    config = Settings(data_dir=tmp_path / "data", **settings)  # type: ignore[arg-type]
    services = build_services(config)
    worker = EmbeddedWorker(services)
    worker.start()
    org = create_org(services, "Test Org", "admin@test.example", "Test Admin")
    uploads = tmp_path / "in"
    uploads.mkdir()
    return Harness(services, worker, org, uploads)


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(tmp_path: Path, store_kind: str) -> Iterator[Harness]:
    made = make_harness(tmp_path, store_kind, chunk_size=3)
    try:
        yield made
    finally:
        made.worker.stop()
        made.services.store.close()
