"""Clusters of real processes on PostgreSQL, for the distributed tests (``tests/cluster.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cluster import Cluster
from tests.pg import TestDatabases, databases_on_test_server


@pytest.fixture(scope="session")
def cluster_databases() -> Iterator[TestDatabases]:
    yield from databases_on_test_server("the distributed tests")


@pytest.fixture
def new_cluster(
    tmp_path: Path, cluster_databases: TestDatabases
) -> Iterator[Callable[..., Cluster]]:
    """Makes the test's cluster on a fresh database, with ``apis`` API processes and ``workers``
    worker processes started; stops every process afterwards. Jobs are split across the workers
    (``BULKWRITE_SPLIT_JOBS``) unless the settings say otherwise."""
    made: list[tuple[str, Cluster]] = []

    def make(apis: int = 0, workers: int = 0, **settings: str) -> Cluster:
        name, url = cluster_databases.copy_of_template()
        directory = tmp_path / f"cluster{len(made)}"
        cluster = Cluster(directory, url, {"split_jobs": "true", **settings})
        made.append((name, cluster))
        for _ in range(apis):
            cluster.start_api()
        for _ in range(workers):
            cluster.start_worker()
        return cluster

    yield make
    for name, cluster in made:
        cluster.stop()
        print(cluster.logs())  # shown by pytest when the test failed
        cluster_databases.release(name)
