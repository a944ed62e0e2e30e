"""Running a job of several resources (contract section 12): the parent first, then each child
resource, each with its own status, counts and result CSV; the links, limits and totals."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest

from bulkwrite.services.create_job import create_job
from bulkwrite.services.results.assemble import result_path
from tests.contract.children import (
    DEALS,
    ITEMS,
    LINKS,
    REVIEWERS,
    table,
    two_resources,
    with_children_and_products,
    zipped,
)
from tests.contract.harness import Harness


@pytest.fixture
def org(harness: Harness) -> Harness:
    return with_children_and_products(harness)


def results(harness: Harness, details: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(result_path(harness.services, details["id"])) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode(), newline="")))
            for name in archive.namelist()
        }


def file_counts(resource: dict[str, Any]) -> tuple[int, int, int, int]:
    f = resource["file"]
    return f["added_count"], f["updated_count"], f["skipped_count"], f["total_count"]


def run_pair(harness: Harness, items: str, deals: str = DEALS, **kw: Any) -> dict[str, Any]:
    file_id = harness.upload(zipped({"deals.csv": deals, "items.csv": items}), "job.zip")
    return harness.run(two_resources(file_id, **kw))


def items_by_parent(harness: Harness) -> dict[int, list[dict[str, object]]]:
    rows = harness.records(
        ITEMS, "Parent_Id", "Product_Name", "Quantity", "List_Price", "Total", "Net_Total"
    )
    out: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        out.setdefault(int(str(row["Parent_Id"])), []).append(row)
    return out


def deal_ids(harness: Harness) -> dict[str, int]:
    return {str(r["Deal_Name"]): int(str(r["id"])) for r in harness.records("Deals", "Deal_Name")}


def test_a_parent_and_its_line_items(org: Harness) -> None:
    items = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        ["D1", "Widget", "2", "10"],
        ["D2", "Widget", "1", ""],
        ["D1", "Gadget", "4", ""],
        ["D9", "Widget", "1", "1"],
        ["", "Widget", "1", "1"],
        ["D2", "Nothing", "1", "1"],
        ["D2", "Widget", "0x", "1"],
    )
    details = run_pair(org, items)
    assert details["status"] == "COMPLETED"
    parent, child = details["resource"]
    assert (parent["status"], child["status"], child["code"]) == ("COMPLETED",) * 2 + ("COMPLETED",)
    assert file_counts(parent) == (2, 0, 0, 2)
    assert file_counts(child) == (3, 0, 4, 7)
    assert child["module"]["api_name"] == ITEMS and child["file"]["name"] == "items.csv"
    with org.services.store.transaction(write=False) as tx:
        items_module = tx.get_module(org.org.org.id, ITEMS)
    assert items_module is not None and child["module"]["id"] == items_module.id
    assert child["field_mappings"][0]["parent_column_index"] == 0
    assert parent["field_mappings"][0]["parent_column_index"] is None
    csvs = results(org, details)
    assert list(csvs) == ["Deals-deals.csv", f"{ITEMS}-items.csv"]
    rows = csvs[f"{ITEMS}-items.csv"]
    assert [r["STATUS"] for r in rows] == ["ADDED"] * 3 + ["SKIPPED"] * 4
    assert [r["ERRORS"] for r in rows[3:]] == [
        "RESOURCE_NOT_FOUND-Deal_Ref",
        "RESOURCE_NOT_FOUND-Deal_Ref",
        "RESOURCE_NOT_FOUND-Product",
        "INVALID_DATA-Qty",
    ]
    ids = deal_ids(org)
    stored = items_by_parent(org)
    assert sorted(int(str(r["id"])) for r in stored[ids["Alpha"]]) == sorted(
        int(rows[i]["RECORD_ID"]) for i in (0, 2)
    )
    alpha = sorted(stored[ids["Alpha"]], key=lambda r: float(str(r["Quantity"])))
    assert [(r["List_Price"], r["Total"], r["Net_Total"]) for r in alpha] == [
        (10.0, 20.0, 20.0),
        (7.5, 30.0, 30.0),
    ]
    assert [(r["List_Price"], r["Total"]) for r in stored[ids["Beta"]]] == [(5.0, 5.0)]
    totals = {
        r["Deal_Name"]: (r["Sub_Total"], r["Grand_Total"])
        for r in org.records("Deals", "Deal_Name", "Sub_Total", "Grand_Total")
    }
    assert totals == {"Alpha": (50.0, 50.0), "Beta": (5.0, 5.0)}


def test_a_child_of_a_skipped_parent_is_skipped(org: Harness) -> None:
    deals = table(
        ["Ref", "Deal_Name", "Stage", "Closing_Date"],
        ["D1", "Alpha", "Qualification", "01/15/2027"],
        ["D2", "", "Qualification", "01/16/2027"],
        ["D2", "Beta", "Qualification", "01/16/2027"],
    )
    items = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        ["D2", "Widget", "1", "1"],
        ["D1", "Widget", "1", "1"],
    )
    details = run_pair(org, items, deals)
    assert file_counts(details["resource"][0]) == (2, 0, 1, 3)
    rows = results(org, details)[f"{ITEMS}-items.csv"]
    assert [(r["STATUS"], r["ERRORS"]) for r in rows] == [
        ("SKIPPED", "RESOURCE_NOT_FOUND-Deal_Ref"),  # the first D2 row was skipped
        ("ADDED", ""),
    ]


def test_child_rows_past_the_limit_are_skipped(org: Harness) -> None:
    org.services.settings.max_child_rows = 2
    items = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        *[["D1", "Widget", str(n + 1), "1"] for n in range(4)],
        ["D2", "Widget", "1", "1"],
    )
    details = run_pair(org, items)
    rows = results(org, details)[f"{ITEMS}-items.csv"]
    assert [r["STATUS"] for r in rows] == ["ADDED", "ADDED", "SKIPPED", "SKIPPED", "ADDED"]
    assert rows[2]["ERRORS"] == "LIMIT_EXCEEDED-Deal_Ref"
    assert file_counts(details["resource"][1]) == (3, 0, 2, 5)


def update_body(file_id: str, operation: str = "update") -> dict[str, Any]:
    body = two_resources(file_id, operation=operation, parent={"find_by": "Deal_Name"})
    return body


def test_an_update_replaces_the_subform_rows_of_the_parents_it_names(org: Harness) -> None:
    first = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        ["D1", "Widget", "1", "1"],
        ["D1", "Widget", "2", "1"],
        ["D2", "Widget", "3", "1"],
    )
    run_pair(org, first)
    # Deal_Name is not unique in Deals: make the update find records by id instead
    ids = deal_ids(org)
    deals = table(["Ref", "id", "Stage"], ["A", str(ids["Alpha"]), "Needs Analysis"])
    items = table(["Deal_Ref", "Product", "Qty", "Price"], ["A", "Gadget", "9", "2"])
    file_id = org.upload(zipped({"deals.csv": deals, "items.csv": items}), "job.zip")
    body = two_resources(file_id, operation="update")
    body["resource"][0]["find_by"] = "id"
    body["resource"][0]["field_mappings"] = [
        {"api_name": "id", "index": 1},
        {"api_name": "Stage", "index": 2},
    ]
    details = org.run(body)
    assert file_counts(details["resource"][0]) == (0, 1, 0, 1)
    assert file_counts(details["resource"][1]) == (1, 0, 0, 1)
    stored = items_by_parent(org)
    assert [r["Quantity"] for r in stored[ids["Alpha"]]] == [9.0]  # replaced
    assert [r["Quantity"] for r in stored[ids["Beta"]]] == [3.0]  # not named: kept
    totals = {
        r["Deal_Name"]: r["Grand_Total"] for r in org.records("Deals", "Deal_Name", "Grand_Total")
    }
    assert totals["Alpha"] == 18.0


def links_body(file_id: str) -> dict[str, Any]:
    body = two_resources(file_id)
    body["resource"][1] = {
        "type": "data",
        "module": {"api_name": "Linked_Contacts"},
        "file_id": file_id,
        "file_names": ["links.csv"],
        "field_mappings": [
            {"api_name": "Deals", "index": 0, "parent_column_index": 0},
            {"api_name": "Contacts", "index": 1, "find_by": "Email"},
        ],
    }
    return body


def test_multi_select_links_are_added_and_kept(org: Harness) -> None:
    contacts = table(["Last_Name", "Email"], ["Smith", "s@x.example"], ["Jones", "j@x.example"])
    org.job(contacts, "Contacts")
    links = table(
        ["Deal", "Contact"],
        ["D1", "s@x.example"],
        ["D1", "j@x.example"],
        ["D2", "nobody@x.example"],
        ["D1", "s@x.example"],  # a pair of an earlier chunk of this job
        ["D2", "s@x.example"],
        ["D2", "s@x.example"],  # a pair of an earlier row of this chunk
    )
    file_id = org.upload(zipped({"deals.csv": DEALS, "links.csv": links}), "job.zip")
    details = org.run(links_body(file_id))
    assert details["resource"][1]["module"]["api_name"] == LINKS
    assert file_counts(details["resource"][1]) == (3, 0, 3, 6)
    first = results(org, details)[f"{LINKS}-links.csv"]
    assert [r["ERRORS"] for r in first] == [
        "",
        "",
        "RESOURCE_NOT_FOUND-Contact",
        "DUPLICATE_DATA-Contact",
        "",
        "DUPLICATE_DATA-Contact",
    ]
    stored = org.records(LINKS, "Deals", "Contacts")
    assert len(stored) == 3
    # the same links again, to the same deals by id: kept, ADDED with the existing ids
    ids = deal_ids(org)
    deals = table(["Ref", "id", "Stage"], ["D1", str(ids["Alpha"]), "Needs Analysis"])
    again = table(["Deal", "Contact"], ["D1", "s@x.example"])
    file_id = org.upload(zipped({"deals.csv": deals, "links.csv": again}), "job.zip")
    body = links_body(file_id)
    body["operation"] = "update"
    body["resource"][0]["find_by"] = "id"
    body["resource"][0]["field_mappings"] = [
        {"api_name": "id", "index": 1},
        {"api_name": "Stage", "index": 2},
    ]
    details = org.run(body)
    rows = results(org, details)[f"{LINKS}-links.csv"]
    assert (rows[0]["STATUS"], rows[0]["RECORD_ID"]) == ("ADDED", first[0]["RECORD_ID"])
    assert len(org.records(LINKS, "Deals", "Contacts")) == 3


def test_multi_user_links(org: Harness) -> None:
    reviewers = table(
        ["Deal", "Reviewer"], ["D1", "admin@test.example"], ["D2", "nobody@x.example"]
    )
    file_id = org.upload(zipped({"deals.csv": DEALS, "reviewers.csv": reviewers}), "job.zip")
    body = two_resources(file_id)
    body["resource"][1] = {
        "type": "data",
        "module": {"api_name": "Reviewers"},
        "file_id": file_id,
        "file_names": ["reviewers.csv"],
        "field_mappings": [
            {"api_name": "Parent_Id", "index": 0, "parent_column_index": 0},
            {"api_name": "User", "index": 1, "find_by": "email"},
        ],
    }
    details = org.run(body)
    assert details["resource"][1]["module"]["api_name"] == REVIEWERS
    assert file_counts(details["resource"][1]) == (1, 0, 1, 2)
    (link,) = org.records(REVIEWERS, "Parent_Id", "User")
    assert link["Parent_Id"] == deal_ids(org)["Alpha"]
    assert link["User"] == int(org.org.admin.id)


def test_a_job_waiting_shows_each_resource_added(org: Harness) -> None:
    file_id = org.upload(
        zipped(
            {
                "deals.csv": DEALS,
                "items.csv": table(
                    ["Deal_Ref", "Product", "Qty", "Price"], ["D1", "Widget", "1", "1"]
                ),
            }
        ),
        "job.zip",
    )
    org.worker.stop()
    job = create_job(org.services, org.principal, two_resources(file_id))
    details = org.run_details(job.id)
    assert details["status"] == "ADDED"
    assert [r["code"] for r in details["resource"]] == ["ADDED", "ADDED"]
    assert details["resource"][1]["file"] == {"status": "ADDED", "name": "items.csv"}


def test_an_upsert_adds_to_created_parents_and_replaces_updated_ones(org: Harness) -> None:
    first = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        ["D1", "Widget", "1", "1"],
        ["D2", "Widget", "2", "1"],
    )
    run_pair(org, first)
    ids = deal_ids(org)
    deals = table(
        ["Ref", "id", "Deal_Name", "Stage", "Closing_Date"],
        ["A", str(ids["Alpha"]), "Alpha", "Needs Analysis", "01/15/2027"],
        ["N", "", "Gamma", "Qualification", "02/01/2027"],
    )
    items = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        ["A", "Gadget", "3", "2"],
        ["N", "Widget", "4", "1"],
        ["N", "Widget", "5", "1"],
    )
    file_id = org.upload(zipped({"deals.csv": deals, "items.csv": items}), "job.zip")
    body = two_resources(file_id, operation="upsert", parent={"find_by": "id"})
    body["resource"][0]["field_mappings"] = [
        {"api_name": "id", "index": 1},
        {"api_name": "Deal_Name", "index": 2},
        {"api_name": "Stage", "index": 3},
        {"api_name": "Closing_Date", "index": 4},
    ]
    details = org.run(body)
    assert file_counts(details["resource"][0]) == (1, 1, 0, 2)
    assert file_counts(details["resource"][1]) == (3, 0, 0, 3)
    ids = deal_ids(org)
    stored = items_by_parent(org)
    assert [r["Quantity"] for r in stored[ids["Alpha"]]] == [3.0]
    assert [r["Quantity"] for r in stored[ids["Beta"]]] == [2.0]
    assert sorted(float(str(r["Quantity"])) for r in stored[ids["Gamma"]]) == [4.0, 5.0]
    totals = {
        r["Deal_Name"]: r["Grand_Total"] for r in org.records("Deals", "Deal_Name", "Grand_Total")
    }
    assert totals == {"Alpha": 6.0, "Beta": 2.0, "Gamma": 9.0}


def test_v2_details_name_each_module_by_a_string(org: Harness) -> None:
    details = run_pair(
        org, table(["Deal_Ref", "Product", "Qty", "Price"], ["D1", "Widget", "1", ""])
    )
    from bulkwrite.services.details import job_details

    v2 = job_details(org.services, org.principal, details["id"], "v2")
    assert [r["module"] for r in v2["resource"]] == ["Deals", ITEMS]
    assert all("parent_column_index" not in m for r in v2["resource"] for m in r["field_mappings"])


def test_an_update_naming_parents_only_by_id_gives_them_child_rows(org: Harness) -> None:
    run_pair(org, table(["Deal_Ref", "Product", "Qty", "Price"], ["D1", "Widget", "1", "1"]))
    ids = deal_ids(org)
    deals = table(["id"], [str(ids["Alpha"])], [str(ids["Beta"])])
    items = table(["Deal", "Product", "Qty", "Price"], [str(ids["Beta"]), "Gadget", "2", ""])
    file_id = org.upload(zipped({"deals.csv": deals, "items.csv": items}), "job.zip")
    body = two_resources(file_id, operation="update", parent={"find_by": "id"})
    body["resource"][0]["field_mappings"] = [{"api_name": "id", "index": 0}]
    details = org.run(body)
    assert details["status"] == "COMPLETED"
    assert file_counts(details["resource"][0]) == (0, 2, 0, 2)
    assert file_counts(details["resource"][1]) == (1, 0, 0, 1)
    stored = items_by_parent(org)
    assert [r["Quantity"] for r in stored[ids["Alpha"]]] == [1.0]  # no row in the job: kept
    assert [(r["Quantity"], r["Total"]) for r in stored[ids["Beta"]]] == [(2.0, 15.0)]
