"""The job list's page tokens over every store (beyond-zoho.md section 1, docs/job-control.md):
signed with the org's page key and bound to the org and the query, so an altered, forged,
foreign, other-query or made-up token is ``INVALID_DATA`` at ``page_token``."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from bulkwrite.errors import BulkWriteError
from bulkwrite.services.accounts import create_org
from bulkwrite.services.create_job import create_job
from bulkwrite.services.job_list import list_jobs
from bulkwrite.services.records import RecordQuery, list_records
from bulkwrite.services.run.runner import run_job
from bulkwrite.services.tokens import authenticate
from tests.contract.conftest import waiting_harness
from tests.contract.harness import Harness

LEADS = "Last_Name,Company\nA,Co\nB,Co\n"
QUERY = {"per_page": "2", "module": "Leads", "status": "ADDED"}


def _make_jobs(made: Harness, count: int) -> list[str]:
    file_id = made.upload(LEADS)
    body = {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }
    return [create_job(made.services, made.principal, body).id for _ in range(count)]


def _list(made: Harness, **params: str) -> dict[str, Any]:
    return list_jobs(made.services, made.principal, params, "v8")


def _refused(made: Harness, **params: str) -> BulkWriteError:
    with pytest.raises(BulkWriteError) as caught:
        _list(made, **params)
    return caught.value


def _assert_refused(made: Harness, **params: str) -> None:
    error = _refused(made, **params)
    assert error.code == "INVALID_DATA", error
    assert error.details == {"api_name": "page_token", "json_path": "page_token"}


def test_a_token_opens_the_next_page_of_its_own_query_only(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as made:
        newest = list(reversed(_make_jobs(made, 5)))
        first = _list(made, **QUERY)
        token = first["info"]["next_page_token"]
        second = _list(made, **QUERY, page_token=token)
        assert [j["id"] for j in second["jobs"]] == newest[2:4]
        assert second["info"]["page"] == 2
        same = {**QUERY, "module": "LEADS"}  # the module filter is case-blind: the same query
        assert [j["id"] for j in _list(made, **same, page_token=token)["jobs"]] == newest[2:4]
        for other in (
            {**QUERY, "per_page": "3"},
            {**QUERY, "module": "Contacts"},
            {**QUERY, "status": "ADDED,COMPLETED"},
            {"per_page": "2", "module": "Leads"},
            {**QUERY, "operation": "insert"},
            {**QUERY, "created_by": made.principal.user.id},
        ):
            _assert_refused(made, **other, page_token=token)


def test_an_altered_forged_or_made_up_token_is_refused(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as made:
        ids = _make_jobs(made, 3)
        token = _list(made, **QUERY)["info"]["next_page_token"]
        payload, _, signature = token.partition(".")
        forged_old_style = base64.urlsafe_b64encode(f"2:{ids[0]}".encode()).decode()
        swapped = base64.urlsafe_b64encode(
            base64.urlsafe_b64decode(payload + "==").replace(b'"p":2', b'"p":3')
        ).decode()
        for bad in (
            token + "x",
            token[:-2],
            f"{swapped.rstrip('=')}.{signature}",
            payload,
            f"{payload}.",
            forged_old_style,
            "not-a-token",
            "é.ü",
            ".",
        ):
            _assert_refused(made, **QUERY, page_token=bad)


def test_another_orgs_token_and_a_records_token_are_refused(
    tmp_path: Path, store_kind: str, database_url: str
) -> None:
    with waiting_harness(tmp_path, store_kind, database_url) as made:
        ids = _make_jobs(made, 3)
        other = create_org(made.services, "Other", "o@other.example", "Other Admin")
        outsider = authenticate(made.services, f"Zoho-oauthtoken {other.token}")
        token = _list(made, **QUERY)["info"]["next_page_token"]
        with pytest.raises(BulkWriteError) as caught:
            list_jobs(made.services, outsider, {**QUERY, "page_token": token}, "v8")
        assert caught.value.details == {"api_name": "page_token", "json_path": "page_token"}
        for job_id in ids[:2]:  # four leads: a records page of two has a next page
            run_job(made.services, job_id)
        records = list_records(made.services, made.principal, "Leads", RecordQuery(per_page="2"))
        assert records.token is not None and records.token[0] is not None
        _assert_refused(made, **QUERY, page_token=records.token[0])
