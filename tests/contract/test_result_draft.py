"""The result zip written while a job runs (``ResultDraft``): it is the job's result only when
whole; anything else leaves no file behind, and the result is assembled from the store."""

from __future__ import annotations

import zipfile

from bulkwrite.files.result_zip import result_csv_header
from bulkwrite.services.results.assemble import result_csv_name
from bulkwrite.services.results.draft import ResultDraft
from bulkwrite.services.run.load import JobRun, load_run
from bulkwrite.services.run.runner import read_job
from tests.contract.harness import Harness


def _run(harness: Harness) -> JobRun:
    details = harness.job("Last_Name,Company\nSmith,Acme\n", "Leads")
    job = read_job(harness.services, details["id"])
    assert job is not None
    return load_run(harness.services, job)


def _drafts(harness: Harness) -> list[str]:
    """Drafts and half-written zips left in the temp directory."""
    names = (p.name for p in harness.services.files.tmp_dir.iterdir())
    return sorted(n for n in names if "draft-" in n or n.startswith(".result-"))


def test_a_whole_draft_is_the_result_zip(harness: Harness) -> None:
    run = _run(harness)
    draft = ResultDraft(harness.services, run)
    draft.add(b"Smith,Acme,ADDED,1,\r\n")
    draft.add(b'"Doe, J",Acme,SKIPPED,,MANDATORY_NOT_FOUND-Last_Name\r\n')
    path = draft.close(whole=True)
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        (name,) = archive.namelist()
        text = archive.read(name)
    assert name == result_csv_name(run.job)
    assert text == result_csv_header(run.echo_header) + (
        b"Smith,Acme,ADDED,1,\r\n" + b'"Doe, J",Acme,SKIPPED,,MANDATORY_NOT_FOUND-Last_Name\r\n'
    )
    path.unlink()


def test_a_chunk_whose_rows_are_unknown_spoils_the_draft(harness: Harness) -> None:
    draft = ResultDraft(harness.services, _run(harness))
    draft.add(b"Smith,Acme,ADDED,1,\r\n")
    draft.add(None)  # committed by an attempt cut off by a lost connection
    draft.add(b"Roe,Acme,ADDED,2,\r\n")
    assert draft.close(whole=True) is None
    assert _drafts(harness) == []


def test_a_job_that_did_not_complete_leaves_no_draft(harness: Harness) -> None:
    draft = ResultDraft(harness.services, _run(harness))
    draft.add(b"Smith,Acme,ADDED,1,\r\n")
    assert draft.close(whole=False) is None
    assert _drafts(harness) == []
