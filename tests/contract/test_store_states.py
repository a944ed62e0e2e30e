"""The store's rules about job state, the same on every store: which moves stamp a job as
finished, and the order of every list of job ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bulkwrite.domain.identity import StoredFile
from bulkwrite.domain.job import (
    FINAL_STATES,
    TRANSITIONS,
    ChunkDone,
    Counts,
    Job,
    JobSpec,
    JobStatus,
    Operation,
)
from bulkwrite.store.base import Store
from tests.contract.test_store_contract import _job, _org


def _jobs_stored_backwards(store: Store, count: int) -> list[str]:
    """``count`` jobs of one org, ADDED, each stored (and so placed in its table) after the
    jobs with greater ids; their ids, ascending."""
    created = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with store.transaction() as tx:
        org, user = _org(tx)
        file_id = tx.new_id()
        tx.insert_file(StoredFile(file_id, org.id, user.id, "a.csv", "/f/a", 10, "", created))
        spec = JobSpec(
            Operation.INSERT, "Leads", file_id, None, (), True, False, "UTF-8", ",", None, None
        )
        first = tx.allocate_ids(count)
        ids = [str(first + n) for n in range(count)]
        for job_id in reversed(ids):
            tx.insert_job(
                Job(job_id, org.id, user.id, spec, JobStatus.ADDED, created, "a.csv"), file_id
            )
    return ids


def test_a_job_is_stamped_finished_exactly_when_it_moves_to_a_final_state(store: Store) -> None:
    for source, targets in TRANSITIONS.items():
        for target in targets:
            job = _job(store)
            with store.transaction() as tx:
                if source is not JobStatus.ADDED:
                    tx.move_job(job.id, JobStatus.ADDED, source)
                tx.move_job(job.id, source, target)
                moved = tx.get_job(job.id)
            assert moved is not None and moved.status is target
            finished = moved.finished_time is not None
            assert finished == (target in FINAL_STATES), f"{source} -> {target}"


def test_every_list_of_job_ids_is_in_id_order(store: Store) -> None:
    ids = _jobs_stored_backwards(store, 4)
    later = datetime.now(UTC) + timedelta(days=1)
    with store.transaction() as tx:
        assert tx.open_job_ids() == ids
    for job_id in reversed(ids):  # each row written again, the greatest id first
        with store.transaction() as tx:
            tx.move_job(job_id, JobStatus.ADDED, JobStatus.INPROGRESS)
            tx.save_chunk(job_id, ChunkDone(0, 0, Counts(1, 0, 0), 1, b"x"))
            tx.move_job(job_id, JobStatus.INPROGRESS, JobStatus.COMPLETED)
            tx.mark_result_ready(job_id)
    with store.transaction(write=False) as tx:
        assert tx.jobs_with_chunk_results(later) == ids
        assert tx.expired_results(later) == ids
