"""Errors, failed rows and retry (beyond-zoho.md §5) on both stores and every way of running a
job, for a job of several resources too."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from bulkwrite.errors import ResourceNotFound
from bulkwrite.services.accounts import create_org
from bulkwrite.services.failed_rows import failed_rows_zip
from bulkwrite.services.job_errors import job_errors
from bulkwrite.services.retry_job import retry_job
from bulkwrite.services.tokens import authenticate
from tests.contract.children import (
    ITEMS,
    table,
    two_resources,
    with_children_and_products,
    zipped,
)
from tests.contract.harness import Harness


def parent_child(harness: Harness) -> dict[str, object]:
    with_children_and_products(harness, table(["Product_Name", "Unit_Price"], ["Widget", "5"]))
    deals = table(
        ["Ref", "Deal_Name", "Stage", "Closing_Date"],
        ["D1", "Alpha", "Qualification", "01/15/2027"],
        ["D2", "", "Qualification", "01/16/2027"],
    )
    items = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        ["D1", "Widget", "1", "1"],
        ["D2", "Widget", "2", "1"],
        ["D1", "Gizmo", "3", "1"],
    )
    file_id = harness.upload(zipped({"deals.csv": deals, "items.csv": items}), "job.zip")
    return harness.run(two_resources(file_id))


def test_errors_of_a_job_of_several_resources(harness: Harness) -> None:
    details = parent_child(harness)
    page = job_errors(harness.services, harness.principal, str(details["id"]), None, None)
    found = [(e["resource"], e["row"], [x["code"] for x in e["errors"]]) for e in page["errors"]]
    assert found == [
        (0, 2, ["MANDATORY_NOT_FOUND"]),
        (1, 2, ["RESOURCE_NOT_FOUND"]),
        (1, 3, ["RESOURCE_NOT_FOUND"]),
    ]
    gizmo = page["errors"][2]["errors"][0]
    assert (gizmo["column"], gizmo["value"]) == ("Product", "Gizmo")
    assert gizmo["message"] == "no Products record with Product_Name 'Gizmo'"
    orphan = page["errors"][1]["errors"][0]
    assert (orphan["column"], orphan["value"]) == ("Deal_Ref", "D2")


def test_failed_rows_of_a_job_of_several_resources(harness: Harness) -> None:
    details = parent_child(harness)
    path = failed_rows_zip(harness.services, harness.principal, str(details["id"]))
    try:
        with zipfile.ZipFile(path) as archive:
            files = {n: archive.read(n).decode() for n in archive.namelist()}
    finally:
        path.unlink()
    assert sorted(files) == ["deals.csv", "items.csv"]
    deals = list(csv.reader(io.StringIO(files["deals.csv"], newline="")))
    assert deals[0] == [
        "Ref",
        "Deal_Name",
        "Stage",
        "Closing_Date",
        "ROW_NUMBER",
        "STATUS",
        "ERRORS",
        "ERROR_MESSAGES",
    ]
    assert deals[1][:7] == [
        "D2",
        "",
        "Qualification",
        "01/16/2027",
        "2",
        "SKIPPED",
        "MANDATORY_NOT_FOUND-Deal_Name",
    ]
    items = list(csv.reader(io.StringIO(files["items.csv"], newline="")))
    assert [r[:2] for r in items[1:]] == [["D2", "Widget"], ["D1", "Gizmo"]]


def test_retry_of_a_job_of_several_resources(harness: Harness) -> None:
    details = parent_child(harness)
    job = retry_job(harness.services, harness.principal, str(details["id"]), None)
    harness.worker.join()
    again = harness.run_details(job.id)
    assert again["retry_of"] == details["id"]
    assert harness.run_details(str(details["id"]))["retries"] == [job.id]
    counts = [r["file"]["total_count"] for r in again["resource"]]
    assert counts == [1, 2]  # D2 (still nameless), and both child rows skipped before
    assert again["resource"][1]["module"]["api_name"] == ITEMS


def test_errors_and_failed_rows_of_another_orgs_job_are_not_found(harness: Harness) -> None:
    details = harness.job("Last_Name,Company\n,Acme\n", "Leads")
    other = harness.services  # the same services, another org's principal
    elsewhere = create_org(other, "Else", "a@else.test", "Else Admin")
    principal = authenticate(other, f"Zoho-oauthtoken {elsewhere.token}")
    with pytest.raises(ResourceNotFound):
        job_errors(other, principal, str(details["id"]), None, None)
    with pytest.raises(ResourceNotFound):
        failed_rows_zip(other, principal, str(details["id"]))
