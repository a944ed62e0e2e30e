"""Announcements of job changes (beyond-zoho.md section 2, ``store/postgres/pg_listen.py``):
PostgreSQL tells every process of each committed change of a job's row, and only of committed
ones; SQLite announces nothing (its event streams poll)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bulkwrite.bootstrap import open_store
from bulkwrite.domain.job import ChunkDone, Counts, JobStatus
from bulkwrite.settings import Settings
from bulkwrite.store.base import Store
from tests.contract.test_store_contract import _job


def _until(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)  # polling a condition with a deadline
    return True


def test_committed_changes_of_a_job_wake_its_subscribers_only(
    store: Store, store_kind: str, database_url: str, tmp_path: Path
) -> None:
    watch = store.job_watch()
    if store_kind == "sqlite":
        assert watch is None
        return
    assert watch is not None
    mine, other = _job(store), _job(store)
    woken: list[str] = []
    ends = [
        watch.subscribe(mine.id, lambda: woken.append("mine")),
        watch.subscribe(other.id, lambda: woken.append("other")),
    ]
    assert _until(lambda: watch.listening)
    woken.clear()  # (re)connecting wakes everyone once
    # another process's store commits the changes
    writer = open_store(Settings(data_dir=tmp_path / "w", database_url=database_url))
    try:
        with pytest.raises(RuntimeError), writer.transaction() as tx:
            tx.move_job(mine.id, JobStatus.ADDED, JobStatus.INPROGRESS)
            raise RuntimeError("rolled back: never announced")
        with writer.transaction() as tx:
            tx.move_job(other.id, JobStatus.ADDED, JobStatus.INPROGRESS)
        with writer.transaction() as tx:
            tx.move_job(mine.id, JobStatus.ADDED, JobStatus.INPROGRESS)
        assert _until(lambda: "mine" in woken)
        assert woken == ["other", "mine"]  # in commit order; nothing of the rollback
        with writer.transaction() as tx:  # a chunk commit is announced too
            tx.save_chunk(mine.id, ChunkDone(0, 0, Counts(1, 0, 0), 1, b""))
        assert _until(lambda: woken.count("mine") == 2)
    finally:
        writer.close()
    for end in ends:
        end()
    assert watch.subscribed() == 0  # type: ignore[attr-defined]
    store.close()
    assert not watch.listening
