"""Creating a job of several resources (contract section 12): every key honoured or refused
with a clear 400 naming it; nothing is accepted in silence."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bulkwrite.errors import BulkWriteError
from bulkwrite.services.create_job import checked_spec, create_job
from bulkwrite.store.serialize import spec_from_json, spec_to_json
from tests.contract.children import (
    DEALS,
    ITEMS,
    ITEMS_CSV,
    add_children,
    table,
    two_resources,
    zipped,
)
from tests.contract.harness import Harness


@pytest.fixture
def org(harness: Harness) -> Harness:
    add_children(harness)
    return harness


def refused(harness: Harness, body: dict[str, Any]) -> tuple[str, dict[str, Any], int]:
    with pytest.raises(BulkWriteError) as caught:
        create_job(harness.services, harness.principal, body)
    error = caught.value
    return error.code, error.details, error.http_status


def upload_pair(harness: Harness, **more: str) -> str:
    return harness.upload(zipped({"deals.csv": DEALS, "items.csv": ITEMS_CSV, **more}), "j.zip")


def at(path: str, api_name: str) -> dict[str, str]:
    return {"api_name": api_name, "json_path": path}


def test_a_valid_two_resource_request_is_accepted(org: Harness) -> None:
    file_id = upload_pair(org)
    spec, file_name = checked_spec(org.services, org.principal, two_resources(file_id))
    (child,) = spec.children
    assert (spec.module, spec.file_name, file_name) == ("Deals", "deals.csv", "deals.csv")
    assert (child.module, child.file_name, child.link, child.parent_column) == (
        ITEMS,
        "items.csv",
        0,
        0,
    )


def test_the_spec_of_several_resources_survives_the_store(org: Harness) -> None:
    spec, _ = checked_spec(org.services, org.principal, two_resources(upload_pair(org)))
    assert spec_from_json(spec_to_json(spec)) == spec


def test_a_child_may_be_named_by_its_parent_field(org: Harness) -> None:
    file_id = upload_pair(org)
    body = two_resources(file_id, child={"module": {"api_name": "Items"}})
    spec, _ = checked_spec(org.services, org.principal, body)
    assert spec.children[0].module == ITEMS


FILE_NAME_CASES = [
    # (what changes, json path of the error)
    ({1: {"file_names": ["nope.csv"]}}, "$.resource[1].file_names"),
    ({1: {"file_names": ["deals.csv"]}}, "$.resource[1].file_names"),
    ({1: {"file_names": ["items.csv", "deals.csv"]}}, "$.resource[1].file_names"),
    ({1: {"file_names": []}}, "$.resource[1].file_names"),
    ({1: {"file_names": "items.csv"}}, "$.resource[1].file_names"),
    ({0: {"file_names": None}}, "$.resource[0].file_names"),
]


@pytest.mark.parametrize(("change", "path"), FILE_NAME_CASES)
def test_file_names_are_checked(org: Harness, change: dict[int, Any], path: str) -> None:
    body = two_resources(upload_pair(org))
    for i, keys in change.items():
        body["resource"][i].update(keys)
        body["resource"][i] = {k: v for k, v in body["resource"][i].items() if v is not None}
    assert refused(org, body) == ("INVALID_DATA", at(path, "file_names"), 400)


def test_a_csv_no_resource_names_is_refused(org: Harness) -> None:
    file_id = upload_pair(org, **{"extra.csv": "a,b\r\n1,2\r\n"})
    code, details, _ = refused(org, two_resources(file_id))
    assert (code, details) == ("INVALID_DATA", at("$.resource[1].file_names", "file_names"))


def test_a_lone_resource_may_name_the_zips_only_csv(org: Harness) -> None:
    file_id = org.upload(zipped({"deals.csv": DEALS}), "j.zip")
    body = two_resources(file_id)
    body["resource"] = body["resource"][:1]
    assert create_job(org.services, org.principal, body).spec.file_name == "deals.csv"
    body["resource"][0]["file_names"] = ["other.csv"]
    assert refused(org, body)[:2] == ("INVALID_DATA", at("$.resource[0].file_names", "file_names"))


def test_a_lone_resource_over_a_zip_of_two_csvs_must_name_one(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    body["resource"] = body["resource"][:1]
    del body["resource"][0]["file_names"]
    assert refused(org, body)[:2] == ("INVALID_DATA", at("$.resource[0].file_names", "file_names"))
    body["resource"][0]["file_names"] = ["deals.csv"]  # items.csv is then read by no resource
    assert refused(org, body)[:2] == ("INVALID_DATA", at("$.resource[0].file_names", "file_names"))


def test_every_resource_reads_the_same_upload(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][1]["file_id"] = upload_pair(org)
    assert refused(org, body)[:2] == ("INVALID_DATA", at("$.resource[1].file_id", "file_id"))


def link(position: int = 0) -> str:
    return f"$.resource[1].field_mappings[{position}].parent_column_index"


def test_parent_column_index_on_the_first_resource_is_refused(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][0]["field_mappings"][0]["parent_column_index"] = 0
    expected = at("$.resource[0].field_mappings[0].parent_column_index", "parent_column_index")
    assert refused(org, body)[:2] == ("INVALID_DATA", expected)


def test_parent_column_index_on_a_lone_resource_is_refused(org: Harness) -> None:
    file_id = org.upload(DEALS, "deals.csv")
    body = two_resources(file_id)
    body["resource"] = body["resource"][:1]
    body["resource"][0]["field_mappings"][1]["parent_column_index"] = 0
    code, details, _ = refused(org, body)
    assert (code, details["json_path"]) == (
        "INVALID_DATA",
        "$.resource[0].field_mappings[1].parent_column_index",
    )


def test_parent_column_index_twice_in_a_child_is_refused(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][1]["field_mappings"][2]["parent_column_index"] = 1
    assert refused(org, body)[:2] == ("INVALID_DATA", at(link(2), "parent_column_index"))


def test_a_child_without_parent_column_index_is_refused(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    del body["resource"][1]["field_mappings"][0]["parent_column_index"]
    code, details, _ = refused(org, body)
    assert (code, details) == (
        "MANDATORY_NOT_FOUND",
        at("$.resource[1].field_mappings", "parent_column_index"),
    )


def test_a_child_without_field_mappings_is_refused(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    del body["resource"][1]["field_mappings"]
    assert refused(org, body)[0] == "MANDATORY_NOT_FOUND"


def test_parent_column_index_beside_find_by_is_refused(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][1]["field_mappings"][0]["find_by"] = "Deal_Name"
    assert refused(org, body)[:2] == ("COEXISTENCE_NOT_ALLOWED", at(link(), "parent_column_index"))


@pytest.mark.parametrize("index", [4, 99])
def test_parent_column_index_beyond_the_parent_csv_is_refused(org: Harness, index: int) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][1]["field_mappings"][0]["parent_column_index"] = index
    assert refused(org, body)[:2] == ("COLUMN_INDEX_NOT_FOUND", at(link(), "parent_column_index"))


@pytest.mark.parametrize("value", [-1, "x", 1.5, True])
def test_parent_column_index_must_be_a_column_number(org: Harness, value: object) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][1]["field_mappings"][0]["parent_column_index"] = value
    code, details, _ = refused(org, body)
    assert code in ("INVALID_DATA", "COLUMN_INDEX_NOT_FOUND")
    assert details == at(link(), "parent_column_index")


def test_parent_column_index_goes_on_the_lookup_to_the_parent(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    mappings = body["resource"][1]["field_mappings"]
    del mappings[0]["parent_column_index"]
    mappings[2]["parent_column_index"] = 0  # Quantity
    code, details, _ = refused(org, body)
    assert (code, details["json_path"]) == (
        "INVALID_DATA",
        "$.resource[1].field_mappings[2].api_name",
    )


@pytest.mark.parametrize("module", ["Contacts", "Deals", "Leads"])
def test_a_child_module_must_be_a_child_of_the_parent(org: Harness, module: str) -> None:
    body = two_resources(upload_pair(org), child={"module": {"api_name": module}})
    code, details, _ = refused(org, body)
    assert (code, details) == ("INVALID_DATA", at("$.resource[1].module", "module"))


def test_a_child_of_another_parent_is_refused(org: Harness) -> None:
    body = two_resources(upload_pair(org), parent={"module": {"api_name": "Leads"}})
    body["resource"][0]["field_mappings"] = [
        {"api_name": "Last_Name", "index": 1},
        {"api_name": "Company", "index": 2},
    ]
    code, details, _ = refused(org, body)
    assert (code, details) == ("INVALID_DATA", at("$.resource[1].module", "module"))


def test_an_unknown_child_module_is_not_available(org: Harness) -> None:
    body = two_resources(upload_pair(org), child={"module": {"api_name": "Nothing"}})
    assert refused(org, body)[:2] == ("MODULE_NOT_AVAILABLE", at("$.resource[1].module", "module"))


def test_a_child_module_cannot_be_the_first_resource(org: Harness) -> None:
    file_id = org.upload(ITEMS_CSV, "items.csv")
    body = two_resources(file_id)
    body["resource"] = body["resource"][1:]
    body["resource"][0]["file_names"] = ["items.csv"]
    del body["resource"][0]["field_mappings"][0]["parent_column_index"]
    assert refused(org, body)[:2] == ("INVALID_DATA", at("$.resource[0].module", "module"))


def test_find_by_on_a_child_resource_is_refused(org: Harness) -> None:
    body = two_resources(upload_pair(org), child={"find_by": "id"})
    assert refused(org, body)[:2] == ("INVALID_DATA", at("$.resource[1].find_by", "find_by"))


def test_a_childs_mappings_are_checked_at_their_own_path(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][1]["field_mappings"][2]["api_name"] = "Nope"
    code, details, _ = refused(org, body)
    assert (code, details) == (
        "INVALID_FIELD",
        at("$.resource[1].field_mappings[2].api_name", "Nope"),
    )
    body = two_resources(upload_pair(org))
    body["resource"][1]["field_mappings"][3]["index"] = 9
    code, details, _ = refused(org, body)
    assert (code, details["json_path"]) == (
        "COLUMN_INDEX_NOT_FOUND",
        "$.resource[1].field_mappings[3].index",
    )


def test_a_childs_mandatory_fields_must_be_mapped(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    del body["resource"][1]["field_mappings"][2]  # Quantity
    assert refused(org, body)[0] == "MANDATORY_FIELDS_NOT_MAPPED"


@pytest.mark.parametrize("field", ["Total", "Net_Total"])
def test_a_read_only_child_field_cannot_be_mapped(org: Harness, field: str) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][1]["field_mappings"].append({"api_name": field, "index": 3})
    code, details, _ = refused(org, body)
    assert (code, details["json_path"]) == (
        "INVALID_DATA",
        "$.resource[1].field_mappings[4].api_name",
    )


def test_a_read_only_parent_field_cannot_be_mapped(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    body["resource"][0]["field_mappings"].append({"api_name": "Grand_Total", "index": 0})
    code, details, _ = refused(org, body)
    assert (code, details["json_path"]) == (
        "INVALID_DATA",
        "$.resource[0].field_mappings[3].api_name",
    )


def test_a_childs_csv_with_no_rows_is_refused(org: Harness) -> None:
    file_id = org.upload(
        zipped({"deals.csv": DEALS, "items.csv": table(["Deal_Ref", "P", "Q", "L"])}), "j.zip"
    )
    code, details, _ = refused(org, two_resources(file_id))
    assert (code, details["json_path"]) == ("INVALID_DATA", "$.resource[1].file_id")


def test_refused_requests_leave_no_job(org: Harness) -> None:
    body = two_resources(upload_pair(org))
    bad = copy.deepcopy(body)
    bad["resource"][1]["file_names"] = ["nope.csv"]
    refused(org, bad)
    with org.services.store.transaction(write=False) as tx:
        assert tx.count_open_jobs(org.org.org.id) == 0
