"""Fixtures shared by every test layer, and the suite's two phases.

``scripts/test`` runs the suite in two phases: ``--phase parallel`` (every test not marked
``serial``, on several pytest-xdist workers) then ``--phase serial`` (the tests that disturb
what other tests use, e.g. restarting the PostgreSQL server, alone). A plain ``pytest`` runs
every test in one process (``--phase all``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import LiveServer, running

PHASES = ("all", "parallel", "serial")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--phase",
        choices=PHASES,
        default="all",
        help="run every test (all), those not marked serial (parallel), or only those (serial)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    phase = config.getoption("--phase")
    if phase == "all":
        return
    wanted = phase == "serial"
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        is_serial = item.get_closest_marker("serial") is not None
        (keep if is_serial == wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh ``bulkwrite serve`` process with its own data directory."""
    with running(tmp_path / "data") as server:
        yield server


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the many tests that only read or create their own data."""
    with running(tmp_path_factory.mktemp("shared") / "data") as server:
        yield server
