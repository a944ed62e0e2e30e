"""The Store contract itself, one body per store: ids, compare-and-set, tokens, chunks, results,
modules (records: ``test_store_records.py``; frames: ``test_store_frames.py``)."""

from __future__ import annotations

import itertools
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bulkwrite.bootstrap import open_store
from bulkwrite.domain.identity import Org, Profile, Right, StoredFile, User
from bulkwrite.domain.job import (
    ChunkDone,
    ChunkPlan,
    Counts,
    Job,
    JobSpec,
    JobSplit,
    JobStatus,
    Operation,
)
from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.errors import StateConflict
from bulkwrite.settings import Settings
from bulkwrite.store.base import Store, Tx

FIRST_ID = 111111000000100001
T = FieldType


def _org(tx: Tx) -> tuple[Org, User]:
    org = tx.create_org("Acme")
    profile = tx.create_profile(Profile("", org.id, "Administrator", is_admin=True))
    return org, tx.create_user(org.id, "a@acme.example", "Ada Admin", profile)


def _job(store: Store) -> Job:
    """A stored job, ADDED, of a new org."""
    created = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with store.transaction() as tx:
        org, user = _org(tx)
        file_id = tx.new_id()
        tx.insert_file(StoredFile(file_id, org.id, user.id, "a.csv", "/f/a", 10, "", created))
        spec = JobSpec(
            Operation.INSERT, "Leads", file_id, None, (), True, False, "UTF-8", ",", None, None
        )
        job = Job(tx.new_id(), org.id, user.id, spec, JobStatus.ADDED, created, "a.csv")
        tx.insert_job(job, file_id)
    return job


def test_ids_start_at_the_first_id_and_are_consecutive(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.allocate_ids(5)
        assert first == FIRST_ID
        assert tx.allocate_ids(3) == first + 5
        assert tx.new_id() == str(first + 8)
    with store.transaction() as tx:
        assert tx.allocate_ids(1) == first + 9


def test_ids_are_never_handed_out_twice_under_concurrency(store: Store) -> None:
    ranges: list[tuple[int, int]] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def allocate(seed: int) -> None:
        try:
            for n in range(20):
                size = 1 + (seed * 7 + n) % 9
                with store.transaction() as tx:
                    first = tx.allocate_ids(size)
                with lock:
                    ranges.append((first, first + size))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=allocate, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    ranges.sort()
    assert len(ranges) == 80
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(ranges))


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.create_org("Gone")
        raise RuntimeError
    with store.transaction(write=False) as tx:
        assert tx.list_orgs() == []


def test_orgs_users_profiles_round_trip(store: Store) -> None:
    with store.transaction() as tx:
        org, user = _org(tx)
        rights = {"Leads": frozenset({Right.READ, Right.CREATE})}
        tx.create_profile(Profile("", org.id, "Sales", can_import=True, rights=rights))
    with store.transaction(write=False) as tx:
        assert tx.get_org(org.id) == org
        assert tx.list_orgs() == [org]
        assert tx.list_users(org.id) == [user]
        assert tx.get_user(org.id, user.id) == user
        sales = tx.get_profile(org.id, "Sales")
        assert sales is not None and sales.rights == rights and sales.can_import
        assert tx.get_profile(org.id, "Nobody") is None
        assert tx.get_user(org.id, str(FIRST_ID - 1)) is None


def test_tokens_lead_to_their_principal_until_revoked_or_expired(store: Store) -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with store.transaction() as tx:
        org, user = _org(tx)
        tx.insert_token("h-live", user.id, frozenset({"A.ALL", "B.READ"}), None)
        tx.insert_token("h-soon", user.id, frozenset({"A.ALL"}), now + timedelta(hours=1))
    with store.transaction(write=False) as tx:
        principal = tx.principal_for("h-live", now)
        assert principal is not None
        assert (principal.user, principal.org) == (user, org)
        assert principal.scopes == {"A.ALL", "B.READ"}
        assert tx.principal_for("h-soon", now) is not None
        assert tx.principal_for("h-soon", now + timedelta(hours=1)) is None
        assert tx.principal_for("h-unknown", now) is None
    with store.transaction() as tx:
        assert tx.revoke_token("h-live") is True
        assert tx.revoke_token("h-live") is False
        assert tx.principal_for("h-live", now) is None


def test_move_job_is_a_compare_and_set(store: Store) -> None:
    job = _job(store)
    with store.transaction() as tx:
        tx.move_job(job.id, JobStatus.ADDED, JobStatus.INPROGRESS)
    with pytest.raises(StateConflict), store.transaction() as tx:
        tx.move_job(job.id, JobStatus.ADDED, JobStatus.INPROGRESS)
    with pytest.raises(StateConflict), store.transaction() as tx:
        tx.move_job(job.id, JobStatus.INPROGRESS, JobStatus.ADDED)  # not a transition
    with store.transaction() as tx:
        assert tx.open_job_ids() == [job.id]
        assert tx.count_open_jobs(job.org_id) == 1
        tx.move_job(job.id, JobStatus.INPROGRESS, JobStatus.FAILED, ("INVALID_DATA", "bad"))
    with store.transaction(write=False) as tx:
        stored = tx.get_job(job.id, job.org_id)
        assert stored is not None and stored.status is JobStatus.FAILED
        assert (stored.error_code, stored.error_message) == ("INVALID_DATA", "bad")
        assert stored.finished_time is not None and stored.spec == job.spec
        assert tx.open_job_ids() == [] and tx.count_open_jobs(job.org_id) == 0
        assert tx.get_job(job.id, str(FIRST_ID - 1)) is None


def test_chunks_are_saved_in_turn_and_read_back_in_order(store: Store) -> None:
    job = _job(store)
    with pytest.raises(StateConflict), store.transaction() as tx:
        tx.save_chunk(job.id, ChunkDone(0, 0, Counts(1, 0, 0), 1, b"early"))  # job not in progress
    with store.transaction() as tx:
        tx.move_job(job.id, JobStatus.ADDED, JobStatus.INPROGRESS)
    with pytest.raises(StateConflict), store.transaction() as tx:
        tx.save_chunk(job.id, ChunkDone(1, 3, Counts(3, 0, 0), 3, b"out of turn"))
    for chunk_no, body in enumerate([b"a\r\n", b"b\r\n", b"c\r\n"]):
        with store.transaction() as tx:
            tx.save_chunk(job.id, ChunkDone(chunk_no, chunk_no * 3, Counts(2, 0, 1), 3, body))
    with pytest.raises(StateConflict), store.transaction() as tx:
        tx.save_chunk(job.id, ChunkDone(1, 3, Counts(3, 0, 0), 3, b"again"))
    with store.transaction(write=False) as tx:
        assert list(tx.chunk_results(job.id)) == [b"a\r\n", b"b\r\n", b"c\r\n"]
        stored = tx.get_job(job.id)
    assert stored is not None
    assert (stored.chunks_done, stored.rows_done) == (3, 9)
    assert (stored.counts.added, stored.counts.updated, stored.counts.skipped) == (6, 0, 3)


def test_a_split_job_keeps_its_header_plan_and_end(store: Store) -> None:
    job = _job(store)
    with store.transaction() as tx:
        assert tx.get_split(job.id) is None
        tx.begin_split(job.id, ["Last_Name", "Company"])
        tx.begin_split(job.id, ["another run's header is not kept"])
        for chunk_no in (0, 1, 0):  # planned twice: kept once
            tx.plan_chunk(job.id, ChunkPlan(chunk_no, chunk_no * 5, 5))
    with store.transaction() as tx:
        assert tx.get_split(job.id) == JobSplit(("Last_Name", "Company"), None)
        assert tx.chunk_plans(job.id) == [ChunkPlan(0, 0, 5), ChunkPlan(1, 5, 5)]
        tx.mark_chunk_prepared(job.id, 1)
        assert tx.get_chunk_plan(job.id, 1) == ChunkPlan(1, 5, 5, prepared=True)
        with pytest.raises(StateConflict):
            tx.mark_chunk_prepared(job.id, 1)  # compare-and-set: prepared once
        with pytest.raises(StateConflict):
            tx.mark_chunk_prepared(job.id, 7)  # a chunk never planned
        assert tx.get_chunk_plan(job.id, 2) is None
        tx.end_split(job.id, 2, ("INVALID_DATA", "The file is not valid ascii text."))
        with pytest.raises(StateConflict):
            tx.end_split(job.id, 3)  # compare-and-set: a split ends once
        locked = tx.lock_job(job.id)
        assert locked is not None and locked.id == job.id
    with store.transaction(write=False) as tx:
        split = tx.get_split(job.id)
    assert split == JobSplit(
        ("Last_Name", "Company"), 2, ("INVALID_DATA", "The file is not valid ascii text.")
    )
    with store.transaction() as tx:
        tx.drop_chunk_plans(job.id)
        assert tx.chunk_plans(job.id) == []


def test_results_are_kept_then_expire(store: Store) -> None:
    job = _job(store)
    with store.transaction() as tx:
        tx.move_job(job.id, JobStatus.ADDED, JobStatus.INPROGRESS)
        tx.save_chunk(job.id, ChunkDone(0, 0, Counts(1, 0, 0), 1, b"x"))
        tx.move_job(job.id, JobStatus.INPROGRESS, JobStatus.COMPLETED)
        tx.mark_result_ready(job.id)
        with pytest.raises(StateConflict):
            tx.mark_result_ready(job.id)  # compare-and-set: offered once
        tx.drop_chunk_results(job.id)
    later = datetime.now(UTC) + timedelta(days=1)
    with store.transaction() as tx:
        assert list(tx.chunk_results(job.id)) == []
        assert tx.expired_results(later - timedelta(days=2)) == []
        assert tx.expired_results(later) == [job.id]
        tx.expire_result(job.id)
        assert tx.expired_results(later) == []
        with pytest.raises(StateConflict):
            tx.expire_result(job.id)  # compare-and-set: expired once


def test_replace_module_is_a_compare_and_set(store: Store) -> None:
    with store.transaction() as tx:
        org, _ = _org(tx)
        old = tx.create_module(org.id, Module("Things", "", (Field("Name", T.TEXT),), "Name"))
    new = Module("Things", old.id, (Field("Name", T.TEXT, old.fields[0].id, "The name"),), "Name")
    with store.transaction() as tx:
        tx.replace_module(org.id, old, new)
    with pytest.raises(StateConflict), store.transaction() as tx:
        tx.replace_module(org.id, old, new)
    with store.transaction(write=False) as tx:
        assert tx.get_module(org.id, "things") == new
        assert [m.api_name for m in tx.list_modules(org.id)] == ["Things"]


def test_sql_trace_logs_each_named_query(
    tmp_path: Path, store_kind: str, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """``BULKWRITE_SQL_TRACE``: the store tells the log the name of each query it runs."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, sql_trace=True)
    traced = open_store(settings)
    try:
        traced.migrate()
        logged = caplog.at_level(logging.INFO, logger="bulkwrite.store.sql")
        with logged, traced.transaction() as tx:
            org = tx.create_org("Traced")
            assert tx.get_org(org.id) == org
    finally:
        traced.close()
    names = [r.getMessage() for r in caplog.records if r.name == "bulkwrite.store.sql"]
    assert "query insert_org" in names and "query get_org" in names
