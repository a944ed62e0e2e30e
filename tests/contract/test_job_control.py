"""Job control over every store (beyond-zoho.md sections 1-2): the job list with its filters
and pages, and progress in job details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bulkwrite.errors import BulkWriteError
from bulkwrite.services.create_job import create_job
from bulkwrite.services.job_list import list_jobs
from bulkwrite.services.run.runner import run_job
from tests.contract.conftest import waiting_harness
from tests.contract.harness import Harness

LEADS = "Last_Name,Company\nA,Co\nB,Co\nC,Co\nD,Co\n"


def _body(file_id: str, module: str = "Leads", operation: str = "insert") -> dict[str, Any]:
    resource: dict[str, Any] = {"type": "data", "module": {"api_name": module}, "file_id": file_id}
    if operation != "insert":
        resource["find_by"] = "id"
    return {"operation": operation, "resource": [resource]}


def _jobs(made: Harness, count: int, module: str = "Leads") -> list[str]:
    file_id = made.upload(LEADS if module == "Leads" else "Last_Name\nA\n")
    body = _body(file_id, module)
    return [create_job(made.services, made.principal, body).id for _ in range(count)]


def _list(made: Harness, **params: str) -> dict[str, Any]:
    return list_jobs(made.services, made.principal, params, "v8")


def _ids(answer: dict[str, Any]) -> list[str]:
    return [job["id"] for job in answer["jobs"]]


def test_jobs_are_listed_newest_first_a_page_at_a_time(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as made:
        ids = _jobs(made, 7)
        newest = list(reversed(ids))
        first = _list(made, per_page="3")
        assert _ids(first) == newest[:3]
        assert first["info"]["page"] == 1 and first["info"]["per_page"] == 3
        assert first["info"]["count"] == 3 and first["info"]["more_records"] is True
        second = _list(made, per_page="3", page="2")
        assert _ids(second) == newest[3:6]
        by_token = _list(made, per_page="3", page_token=first["info"]["next_page_token"])
        assert _ids(by_token) == newest[3:6] and by_token["info"]["page"] == 2
        third = _list(made, per_page="3", page_token=by_token["info"]["next_page_token"])
        assert _ids(third) == newest[6:] and third["info"]["more_records"] is False
        assert "next_page_token" not in third["info"]
        assert _list(made, page="9") == {
            "jobs": [],
            "info": {"page": 9, "per_page": 50, "count": 0, "more_records": False},
        }
        assert _list(made)["jobs"][0]["status"] == "ADDED"
        assert _list(made)["jobs"][0]["progress"]["rows_done"] == 0


def test_the_list_filters_by_status_module_operation_and_creator(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as made:
        leads = _jobs(made, 2)
        contacts = _jobs(made, 1, "Contacts")
        run_job(made.services, leads[0])
        assert _ids(_list(made, status="COMPLETED")) == [leads[0]]
        assert _ids(_list(made, status="ADDED,INPROGRESS")) == [contacts[0], leads[1]]
        assert _ids(_list(made, status="FAILED,CANCELLED")) == []
        assert _ids(_list(made, module="contacts")) == contacts
        assert _ids(_list(made, module="Leads", status="ADDED")) == [leads[1]]
        assert _ids(_list(made, operation="update")) == []
        assert len(_list(made, operation="insert")["jobs"]) == 3
        user = made.principal.user.id
        assert len(_list(made, created_by=user)["jobs"]) == 3
        assert _list(made, created_by="111111000000000001")["jobs"] == []


def test_another_orgs_jobs_are_not_listed(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    from bulkwrite.services.accounts import create_org
    from bulkwrite.services.tokens import authenticate

    with waiting_harness(tmp_path, store_kind, database_url) as made:
        _jobs(made, 2)
        other = create_org(made.services, "Other", "o@other.example", "Other Admin")
        principal = authenticate(made.services, f"Zoho-oauthtoken {other.token}")
        assert list_jobs(made.services, principal, {}, "v8")["jobs"] == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "201"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"page": "-1"}, "page"),
        ({"page": "0"}, "page"),
        ({"status": "DONE"}, "status"),
        ({"status": "ADDED,"}, "status"),
        ({"operation": "delete"}, "operation"),
        ({"created_by": "me"}, "created_by"),
        ({"module": " "}, "module"),
        ({"page_token": "not-a-token"}, "page_token"),
        ({"page_token": "MjoxMTE", "page": "2"}, "page"),
        ({"sort": "id"}, "sort"),
    ],
)
def test_a_bad_parameter_is_invalid_data_naming_it(
    tmp_path: Path, params: dict[str, str], name: str
) -> None:
    with waiting_harness(tmp_path, "sqlite") as made, pytest.raises(BulkWriteError) as caught:
        _list(made, **params)
    assert caught.value.code == "INVALID_DATA"
    assert caught.value.details == {"api_name": name, "json_path": name}


def test_progress_counts_the_rows_of_every_csv_and_ends_at_100(harness: Harness) -> None:
    file_id = harness.upload("Last_Name,Company\n" + "".join(f"L{n},Co\n" for n in range(10)))
    details = harness.run(_body(file_id))
    assert details["status"] == "COMPLETED"
    assert details["progress"] == {
        "rows_total": 10,
        "rows_done": 10,
        "percent": 100.0,
        "rows_per_second": None,
        "eta_seconds": 0,
    }


def _cancel(made: Harness, job_id: str) -> str:
    from bulkwrite.services.cancel import cancel_job

    return cancel_job(made.services, made.principal, job_id)


def test_an_added_job_is_cancelled_at_once_every_row_unprocessed(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as made:
        (job_id,) = _jobs(made, 1)
        assert _cancel(made, job_id) == job_id
        details = made.run_details(job_id)
        assert details["status"] == "CANCELLED"
        resource = details["resource"][0]
        assert (resource["status"], resource["code"]) == ("CANCELLED", "CANCELLED")
        rows = made.result_rows(details)
        assert [row["STATUS"] for row in rows] == ["UNPROCESSED"] * 4
        assert made.records("Leads", "Last_Name") == []
        run_job(made.services, job_id)  # the queue's task, run later, changes nothing
        assert made.run_details(job_id)["status"] == "CANCELLED"
        with pytest.raises(BulkWriteError) as caught:
            _cancel(made, job_id)
        assert (caught.value.code, caught.value.message) == (
            "NOT_ALLOWED",
            "The job has already ended.",
        )


def test_a_running_job_stops_at_the_next_chunk(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    """The cancel is accepted between two chunks (a chunk's transaction checks the flag): the
    chunks before it are kept, no later one is written, the rest is UNPROCESSED."""
    from bulkwrite.services.run import runner

    with waiting_harness(tmp_path, store_kind, database_url, chunk_size=3) as made:
        file_id = made.upload("Last_Name,Company\n" + "".join(f"L{n},Co\n" for n in range(10)))
        job_id = create_job(made.services, made.principal, _body(file_id)).id
        real_write = runner._write
        calls: list[int] = []

        def write_then_cancel(*args: Any) -> bytes | None:
            written = real_write(*args)
            calls.append(1)
            if len(calls) == 2:  # as if a client cancelled while chunk 1 was in flight
                _cancel(made, job_id)
            return written

        runner._write = write_then_cancel  # type: ignore[assignment]
        try:
            assert run_job(made.services, job_id).value == "CANCELLED"
        finally:
            runner._write = real_write  # type: ignore[assignment]
        details = made.run_details(job_id)
        assert details["status"] == "CANCELLED"
        assert details["resource"][0]["file"]["added_count"] == 6
        statuses = [row["STATUS"] for row in made.result_rows(details)]
        assert statuses == ["ADDED"] * 6 + ["UNPROCESSED"] * 4
        assert len(made.records("Leads", "Last_Name")) == 6
        assert details["progress"]["rows_done"] == 6 and details["progress"]["eta_seconds"] == 0


def test_cancel_of_another_orgs_job_or_an_unknown_id_is_not_found(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    from bulkwrite.services.accounts import create_org
    from bulkwrite.services.cancel import cancel_job
    from bulkwrite.services.tokens import authenticate

    with waiting_harness(tmp_path, store_kind, database_url) as made:
        (job_id,) = _jobs(made, 1)
        other = create_org(made.services, "Other", "o@other.example", "Other Admin")
        principal = authenticate(made.services, f"Zoho-oauthtoken {other.token}")
        for who, which in ((principal, job_id), (made.principal, "111111000000000042")):
            with pytest.raises(BulkWriteError) as caught:
                cancel_job(made.services, who, which)
            assert caught.value.code == "RESOURCE_NOT_FOUND"
        assert made.run_details(job_id)["status"] == "ADDED"


@pytest.mark.parametrize("split", [False, True])
def test_a_cancel_accepted_before_a_crash_is_honoured_by_the_next_run(
    tmp_path: Path, store_kind: str, database_url: str, split: bool
) -> None:
    """The job was running (INPROGRESS) when the cancel was accepted and its worker died:
    the run that resumes it, sequential or split across workers, ends it CANCELLED; its
    callback's delivery is ``job.cancelled``."""
    from bulkwrite.domain.job import JobStatus
    from tests.contract.conftest import run_split_backwards

    with waiting_harness(tmp_path, store_kind, database_url, chunk_size=2) as made:
        file_id = made.upload(LEADS)
        body = _body(file_id)
        body["callback"] = {"url": "http://127.0.0.1:9/hook", "method": "post"}
        job_id = create_job(made.services, made.principal, body).id
        with made.services.store.transaction() as tx:
            tx.move_job(job_id, JobStatus.ADDED, JobStatus.INPROGRESS)
        assert _cancel(made, job_id) == job_id  # the flag only: a worker has the job
        assert made.run_details(job_id)["status"] == "INPROGRESS"
        if split:
            run_split_backwards(made.services, job_id)
        else:
            run_job(made.services, job_id)
        details = made.run_details(job_id)
        assert details["status"] == "CANCELLED"
        assert [row["STATUS"] for row in made.result_rows(details)] == ["UNPROCESSED"] * 4
        with made.services.store.transaction(write=False) as tx:
            delivery = tx.delivery_for_job(job_id)
        assert delivery is not None and delivery.event == "job.cancelled"


def test_a_job_of_several_resources_is_cancelled_between_resources(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    from bulkwrite.services.run import runner
    from tests.contract.children import DEALS, ITEMS, add_children, table, two_resources, zipped

    with waiting_harness(tmp_path, store_kind, database_url) as made:
        add_children(made)
        items = table(["Deal_Ref", "Product", "Qty", "Price"], ["D1", "Widget", "2", "10"])
        file_id = made.upload(zipped({"deals.csv": DEALS, "items.csv": items}), "job.zip")
        job_id = create_job(made.services, made.principal, two_resources(file_id)).id
        real_done = runner._resource_done

        def done_then_cancel(*args: Any) -> None:
            real_done(*args)
            _cancel(made, job_id)

        runner._resource_done = done_then_cancel  # type: ignore[assignment]
        try:
            run_job(made.services, job_id)
        finally:
            runner._resource_done = real_done  # type: ignore[assignment]
        details = made.run_details(job_id)
        parent, child = details["resource"]
        assert details["status"] == "CANCELLED"
        assert parent["status"] == "COMPLETED" and parent["file"]["added_count"] == 2
        assert (child["status"], child["code"]) == ("CANCELLED", "CANCELLED")
        assert made.records(ITEMS, "Quantity") == []
        assert details["progress"]["rows_total"] == 3
