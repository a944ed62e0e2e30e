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
