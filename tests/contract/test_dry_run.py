"""Every contract scenario of write modes, lookups, uniqueness and jobs of several resources
run twice, dry and then real, on both stores; the result files compared row by row
(``tests/contract/rehearsal.py``). Plus the dry run's own rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bulkwrite.errors import DataInvalid
from tests.contract.conftest import make_harness
from tests.contract.harness import Harness
from tests.contract.rehearsal import RehearsingHarness
from tests.contract.test_child_jobs import *  # noqa: F403 - the scenarios, rehearsed
from tests.contract.test_lookups import *  # noqa: F403
from tests.contract.test_write_modes import *  # noqa: F403


@pytest.fixture(params=["sequential", "split"])
def harness(
    tmp_path: Path, store_kind: str, database_url: str, request: pytest.FixtureRequest
) -> Iterator[Harness]:
    """A rehearsing harness: every job of the scenarios runs dry first (chunks of 3 rows, so
    a file spans chunks); ``split``: as the distributed deployment runs jobs."""
    made = make_harness(
        tmp_path, store_kind, database_url, split=request.param == "split", chunk_size=3
    )
    rehearsing = RehearsingHarness(made.services, made.worker, made.org, made.tmp)
    try:
        yield rehearsing
    finally:
        made.worker.stop()
        made.services.store.close()


@pytest.mark.parametrize("value", ["true", 1, None, [], {}])
def test_dry_run_must_be_a_boolean(harness: Harness, value: object) -> None:
    file_id = harness.upload("Last_Name,Company\nA,B\n")
    body = {
        "operation": "insert",
        "dry_run": value,
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }
    with pytest.raises(DataInvalid) as caught:
        harness.run(body)
    assert caught.value.details.get("json_path") == "$.dry_run"
