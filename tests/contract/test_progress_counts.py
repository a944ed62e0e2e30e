"""Progress from the store (beyond-zoho.md section 2), on both stores: ``rows_total`` is counted
at upload (blank rows and quoted newlines as the job's reader counts them, each CSV of a zip)
and known from the create on; a file without counts is counted when the job starts; the rate
is measured from the chunk commits kept in the store, the same for every process."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bulkwrite.bootstrap import build_services
from bulkwrite.domain.job import ChunkDone, Counts, Job, JobStatus
from bulkwrite.services.create_job import create_job
from bulkwrite.services.details import job_details
from bulkwrite.services.job_events import DetailStream
from bulkwrite.services.job_list import list_jobs
from bulkwrite.services.run.runner import run_job
from tests.contract.children import add_children, table, two_resources, zipped
from tests.contract.conftest import waiting_harness
from tests.contract.harness import Harness, counts

#: 5 data rows as the csv reader reads them: blank lines and blank rows (only whitespace or
#: empty cells, quoted or not) are not rows; quoted newlines (LF, CRLF, a blank line inside
#: quotes) stay in their row; CRLF and LF ends mixed; no newline at the end.
AWKWARD = (
    "Last_Name,Company,Description\r\n"
    "\r\n"
    'Ada,Acme,"one\nline\r\nmore"\r\n'
    " , ,\n"
    '"","",""\n'
    'Bob,"Acme\n\nInc",plain\n'
    "\n\n"
    ",Acme,no last name\n"
    '"Cy","Co","a ""quoted"" word"\n'
    'Di,Co,"ends with a newline\n"'
)


def _leads(file_id: str, **extra: object) -> dict[str, object]:
    resource = {"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}
    return {"operation": "insert", **extra, "resource": [resource]}


def _details(harness: Harness, job_id: str) -> dict[str, object]:
    return job_details(harness.services, harness.principal, job_id, "v8")


def test_rows_total_is_known_at_create_and_is_the_count_the_job_ends_with(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        job = create_job(harness.services, harness.principal, _leads(harness.upload(AWKWARD)))
        added = _details(harness, job.id)
        assert added["status"] == "ADDED"
        assert added["progress"]["rows_total"] == 5  # type: ignore[index]
        assert added["progress"]["percent"] == 0.0  # type: ignore[index]
        assert run_job(harness.services, job.id) is JobStatus.COMPLETED
        ended = _details(harness, job.id)
        assert counts(ended)[3] == 5  # the reader's own count: total_count
        assert ended["progress"]["rows_total"] == 5  # type: ignore[index]
        assert ended["progress"]["percent"] == 100.0  # type: ignore[index]


def test_each_csv_of_a_zip_is_counted_at_upload(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        add_children(harness)
        deals = table(["Ref", "Deal_Name", "Stage", "Closing_Date"], ["D1", "A", "Won", ""])
        items = 'Deal_Ref,Product,Qty,Price\nD1,W,1,1\n\n , \nD1,"W\nX",2,1\n'
        file_id = harness.upload(zipped({"deals.csv": deals, "items.csv": items}), "job.zip")
        org = harness.principal.org.id
        with harness.services.store.transaction(write=False) as tx:
            stored = tx.get_file(org, file_id)
        assert stored is not None
        assert [csv.rows.rows if csv.rows else None for csv in stored.csvs] == [1, 2]
        job = create_job(harness.services, harness.principal, two_resources(file_id))
        assert _details(harness, job.id)["progress"]["rows_total"] == 3  # type: ignore[index]
        run_job(harness.services, job.id)
        ended = _details(harness, job.id)
        totals = [r["file"]["total_count"] for r in ended["resource"]]  # type: ignore[attr-defined]
        assert totals == [1, 2]


def test_a_file_without_counts_is_counted_when_the_job_starts(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    """A file uploaded before uploads were counted (its record has none), and a job reading a
    file in another encoding than the upload guessed: counted by the run, before its chunks."""
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        org = harness.principal.org.id
        uploaded = harness.upload(AWKWARD)
        with harness.services.store.transaction() as tx:
            stored = tx.get_file(org, uploaded)
            assert stored is not None and stored.rows is not None
            older = replace(stored, id=tx.new_id(), rows=None)
            tx.insert_file(older)
        for body in (_leads(older.id), _leads(uploaded, character_encoding="ISO-8859-1")):
            job = create_job(harness.services, harness.principal, body)
            assert _details(harness, job.id)["progress"]["rows_total"] is None  # type: ignore[index]
            assert run_job(harness.services, job.id) is JobStatus.COMPLETED
            assert _details(harness, job.id)["progress"]["rows_total"] == 5  # type: ignore[index]


def test_the_rate_is_read_from_the_store_by_every_process(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        job = _running_job(harness)
        store = harness.services.store
        # chunks of 10 rows committed at these times (Unix seconds): 10 rows a second, then 20
        at = [1000.0, 1001.0, 1002.0, 1003.0, 1004.0, 1005.0, 1006.0, 1006.5, 1007.0, 1007.5]
        rates = []
        for number, when in enumerate(at):
            with store.transaction() as tx:
                tx.save_chunk(job.id, _chunk(number), at=when)
                control = tx.get_job_control(job.id)
            assert control is not None
            rates.append(control.rows_per_second)
        assert rates[0] is None  # one commit: no rate yet
        assert rates[1:6] == [10.0] * 5  # from the first commit, 5 s back at most
        # the marks moved at 1005 (mark a to 1000's, b to 1005): 80 rows over 7.5 s since 1000;
        # then at 1006 (a past 5 s old) a stays: 90 rows in 1007.5 - 1000 s
        assert rates[-1] == 90 / 7.5
        other = build_services(harness.services.settings)  # another process over the store
        harness.services.clock = other.clock = lambda: 1008.0  # just after the last commit
        try:
            mine = _details(harness, job.id)["progress"]
            theirs = job_details(other, harness.principal, job.id, "v8")["progress"]
        finally:
            other.store.close()
        assert mine == theirs
        assert mine["rows_per_second"] == round(90 / 7.5, 1)  # type: ignore[index]


def test_a_stalled_job_has_no_rate_and_no_eta(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    """No chunk for more than 30 s (and more than 3 times the span the rate was measured
    over): the rate and the ETA are null, not the promise of the last commits; the next
    commit brings them back."""
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        job = _running_job(harness)

        def commit(number: int, when: float) -> None:
            _commit(harness, job.id, number, when)

        def progress_at(when: float) -> dict[str, object]:
            harness.services.clock = lambda: when
            found = _details(harness, job.id)["progress"]
            assert isinstance(found, dict)
            return found

        for number, when in enumerate([1000.0, 1001.0, 1002.0]):  # 10 rows a second
            commit(number, when)
        assert progress_at(1002.0)["rows_per_second"] == 10.0
        assert progress_at(1002.0)["eta_seconds"] == 7.0  # 70 rows left
        stream = DetailStream(harness.services, harness.principal, job.id, "v8", "http://x")
        assert stream.poll() is not None and stream.poll() is None  # nothing new
        assert progress_at(1032.0)["rows_per_second"] == 10.0  # 30 s quiet: not yet
        assert stream.poll() is None  # the clock alone moves nothing
        stalled = progress_at(1032.5)
        event = stream.poll()  # the rate going is news: the stream sends it
        assert event is not None and event["progress"]["rows_per_second"] is None
        assert (stalled["rows_per_second"], stalled["eta_seconds"]) == (None, None)
        assert stalled["rows_done"] == 30 and stalled["percent"] == 30.0
        listed = list_jobs(harness.services, harness.principal, {}, "v8")["jobs"][0]
        assert listed["progress"]["rows_per_second"] is None  # the list answers the same
        commit(3, 1040.0)  # moving again: a rate over the marks, an ETA
        moving = progress_at(1040.0)
        assert moving["rows_per_second"] is not None and moving["eta_seconds"] is not None


def test_slow_chunks_are_not_a_stall(tmp_path: Path, store_kind: str, database_url: str) -> None:
    """Chunks 20 s apart: the rate spans one interval, so the job is stalled only after
    3 of them (60 s) without a commit."""
    with waiting_harness(tmp_path, store_kind, database_url) as harness:
        job = _running_job(harness)
        for number, when in enumerate([1000.0, 1020.0, 1040.0]):
            _commit(harness, job.id, number, when)
        assert [_rate_at(harness, job.id, when) for when in (1080.0, 1100.0, 1100.5)] == [
            0.5,
            0.5,
            None,
        ]


def _rate_at(harness: Harness, job_id: str, when: float) -> object:
    harness.services.clock = lambda: when
    progress = _details(harness, job_id)["progress"]
    assert isinstance(progress, dict)
    return progress["rows_per_second"]


def _running_job(harness: Harness) -> Job:
    """A job of 100 Leads rows, moved to INPROGRESS, whose chunks the test commits itself."""
    text = "Last_Name,Company\n" + "".join(f"L{n},Co\n" for n in range(100))
    job = create_job(harness.services, harness.principal, _leads(harness.upload(text)))
    with harness.services.store.transaction() as tx:
        tx.move_job(job.id, JobStatus.ADDED, JobStatus.INPROGRESS)
    return job


def _chunk(number: int) -> ChunkDone:
    """Chunk ``number`` of ten rows, all added."""
    return ChunkDone(number, number * 10, Counts(10, 0, 0), 10, b"")


def _commit(harness: Harness, job_id: str, number: int, when: float) -> None:
    """Chunk ``number`` committed at ``when`` (Unix seconds)."""
    with harness.services.store.transaction() as tx:
        tx.save_chunk(job_id, _chunk(number), at=when)
