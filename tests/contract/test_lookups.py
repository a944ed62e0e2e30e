"""Lookups and owners (contract section 9): by name, by id, by header, by email, and read back."""

from __future__ import annotations

from typing import Any

import pytest

from bulkwrite.errors import DataInvalid
from bulkwrite.services.accounts import add_user
from bulkwrite.services.records import RecordQuery, get_record, list_records
from bulkwrite.services.schema import apply_schema
from tests.contract.harness import Harness, counts

ACCOUNTS = "Account_Name,Phone\nAcme,111\nGlobex,222\nInitech,333\n"


def account_ids(harness: Harness) -> dict[str, str]:
    details = harness.job(ACCOUNTS, "Accounts")
    assert counts(details) == (3, 0, 0, 3)
    return {r["Account_Name"]: r["RECORD_ID"] for r in harness.result_rows(details)}


def stored(harness: Harness, module: str, *columns: str) -> dict[object, dict[str, object]]:
    rows = harness.records(module, *columns)
    return {r[columns[0]]: r for r in rows}


def test_contacts_point_at_accounts_by_account_name(harness: Harness) -> None:
    ids = account_ids(harness)
    text = "Name,Company\nSmith,Acme\nJones,Nowhere Ltd\nBrown,\nWhite, globex \n"
    details = harness.job(
        text,
        "Contacts",
        field_mappings=[
            {"api_name": "Last_Name", "index": 0},
            {"api_name": "Account_Name", "index": 1, "find_by": "Account_Name"},
        ],
    )
    rows = harness.result_rows(details)
    assert [r["STATUS"] for r in rows] == ["ADDED", "SKIPPED", "ADDED", "SKIPPED"]
    assert rows[1]["ERRORS"] == "RESOURCE_NOT_FOUND-Company"
    assert rows[3]["ERRORS"] == "RESOURCE_NOT_FOUND-Company"  # names match exactly (trimmed)
    contacts = stored(harness, "Contacts", "Last_Name", "Account_Name")
    assert contacts["Smith"]["Account_Name"] == int(ids["Acme"])
    assert contacts["Brown"]["Account_Name"] is None
    assert details["resource"][0]["field_mappings"][1]["find_by"] == "Account_Name"


@pytest.mark.parametrize("header", ["Account_Name.id", "account_name.id"])
def test_lookup_by_header_auto_mapping_with_id(harness: Harness, header: str) -> None:
    ids = account_ids(harness)
    text = f"Last_Name,{header}\nA,{ids['Globex']}\nB,111111999999999999\nC,not-an-id\n"
    details = harness.job(text, "Contacts")
    rows = harness.result_rows(details)
    missing = f"RESOURCE_NOT_FOUND-{header}"
    assert [r["ERRORS"] for r in rows] == ["", missing, missing]
    mapping = details["resource"][0]["field_mappings"][1]
    assert (mapping["api_name"], mapping["find_by"]) == ("Account_Name", "id")
    assert stored(harness, "Contacts", "Last_Name", "Account_Name")["A"]["Account_Name"] == int(
        ids["Globex"]
    )


def test_lookup_by_header_auto_mapping_with_the_target_name_field(harness: Harness) -> None:
    ids = account_ids(harness)
    text = "Deal_Name,Stage,Closing_Date,Account_Name.Account_Name\n"
    text += "D1,Qualification,12/31/2026,Initech\nD2,Qualification,12/31/2026,Hooli\n"
    details = harness.job(text, "Deals")
    assert counts(details) == (1, 0, 1, 2)
    assert harness.result_rows(details)[1]["ERRORS"] == (
        "RESOURCE_NOT_FOUND-Account_Name.Account_Name"
    )
    deals = stored(harness, "Deals", "Deal_Name", "Account_Name")
    assert deals["D1"]["Account_Name"] == int(ids["Initech"])


def test_lookup_by_a_unique_field_of_the_target(harness: Harness) -> None:
    harness.job("Last_Name,Email\nLee,lee@example.com\n", "Contacts")
    text = "Deal,Contact\nBig,LEE@example.com\nSmall,lee@example.com\n"
    details = harness.job(
        text,
        "Deals",
        field_mappings=[
            {"api_name": "Deal_Name", "index": 0},
            {"api_name": "Stage", "default_value": {"value": "Qualification"}},
            {"api_name": "Closing_Date", "default_value": {"value": "01/31/2027"}},
            {"api_name": "Contact_Name", "index": 1, "find_by": "Email"},
        ],
    )
    assert [r["ERRORS"] for r in harness.result_rows(details)] == [
        "RESOURCE_NOT_FOUND-Contact",
        "",
    ]


def test_find_by_must_be_a_unique_or_name_field_of_the_target(harness: Harness) -> None:
    file_id = harness.upload("Last_Name,Phone\nA,111\n")
    body: dict[str, Any] = {
        "operation": "insert",
        "resource": [
            {
                "type": "data",
                "module": {"api_name": "Contacts"},
                "file_id": file_id,
                "field_mappings": [
                    {"api_name": "Last_Name", "index": 0},
                    {"api_name": "Account_Name", "index": 1, "find_by": "Phone"},
                ],
            }
        ],
    }
    with pytest.raises(DataInvalid) as caught:
        harness.run(body)
    assert caught.value.details["api_name"] == "find_by"


def test_owner_by_email_and_by_id(harness: Harness) -> None:
    org = harness.org.org
    sales = add_user(harness.services, org, "sales@test.example", "Sam Sales", "Standard")
    text = "Last_Name,Company,Owner\nA,Co,sales@test.example\nB,Co,nobody@test.example\n"
    text += "C,Co,\nD,Co,SALES@TEST.EXAMPLE\n"
    mappings = [
        {"api_name": "Last_Name", "index": 0},
        {"api_name": "Company", "index": 1},
        {"api_name": "Owner", "index": 2, "find_by": "email"},
    ]
    details = harness.job(text, "Leads", field_mappings=mappings)
    rows = harness.result_rows(details)
    assert [r["ERRORS"] for r in rows] == ["", "RESOURCE_NOT_FOUND-Owner", "", ""]
    owners = stored(harness, "Leads", "Last_Name", "Owner")
    admin = int(harness.org.admin.id)
    assert [owners[n]["Owner"] for n in "ACD"] == [int(sales.id), admin, int(sales.id)]
    by_id = f"Last_Name,Company,Owner.id\nE,Co,{sales.id}\nF,Co,{admin + 1000}\n"
    rows = harness.result_rows(harness.job(by_id, "Leads"))
    assert [r["ERRORS"] for r in rows] == ["", "RESOURCE_NOT_FOUND-Owner.id"]


def test_a_row_reports_every_lookup_problem(harness: Harness) -> None:
    account_ids(harness)
    text = "Last_Name,Account_Name.Account_Name,Owner,Email\nA,Nowhere,ghost@x.example,bad\n"
    details = harness.job(
        text,
        "Contacts",
        field_mappings=[
            {"api_name": "Last_Name", "index": 0},
            {"api_name": "Account_Name", "index": 1, "find_by": "Account_Name"},
            {"api_name": "Owner", "index": 2, "find_by": "email"},
            {"api_name": "Email", "index": 3},
        ],
    )
    (row,) = harness.result_rows(details)
    assert row["ERRORS"] == (
        "INVALID_DATA-Email:RESOURCE_NOT_FOUND-Account_Name.Account_Name,Owner"
    )


def test_a_name_matching_two_records_is_duplicate_data(harness: Harness) -> None:
    schema = (
        "modules:\n"
        "  - api_name: Teams\n    fields: [{api_name: Team_Name, type: text}]\n"
        "  - api_name: Players\n    fields:\n"
        "      - {api_name: Player_Name, type: text, mandatory: true}\n"
        "      - {api_name: Team, type: lookup, lookup: Teams}\n"
    )
    apply_schema(harness.services, harness.org.org.id, schema)
    harness.job("Team_Name\nRed\nRed\nBlue\n", "Teams")
    text = "Player_Name,Team\nAnn,Red\nBob,Blue\n"
    details = harness.job(
        text,
        "Players",
        field_mappings=[
            {"api_name": "Player_Name", "index": 0},
            {"api_name": "Team", "index": 1, "find_by": "Team_Name"},
        ],
    )
    assert [r["ERRORS"] for r in harness.result_rows(details)] == ["DUPLICATE_DATA-Team", ""]


def test_lookups_and_owners_read_back_as_id_and_name(harness: Harness) -> None:
    ids = account_ids(harness)
    text = "Last_Name,First_Name,Account_Name.id,Date_of_Birth,Email_Opt_Out\n"
    text += f"Smith,Ann,{ids['Acme']},1980-02-03,yes\nJones,,,,\n"
    details = harness.job(text, "Contacts")
    smith_id = harness.result_rows(details)[0]["RECORD_ID"]
    principal = harness.principal
    page = list_records(
        harness.services,
        principal,
        "contacts",
        RecordQuery(fields="Last_Name,Account_Name,Owner,Created_By,Date_of_Birth,Email_Opt_Out"),
    )
    smith, jones = page.data
    admin = {"id": harness.org.admin.id, "name": "Test Admin"}
    assert smith == {
        "id": smith_id,
        "Last_Name": "Smith",
        "Account_Name": {"id": ids["Acme"], "name": "Acme"},
        "Owner": admin,
        "Created_By": admin,
        "Date_of_Birth": "1980-02-03",
        "Email_Opt_Out": True,
    }
    assert jones["Account_Name"] is None and jones["Date_of_Birth"] is None
    assert jones["Email_Opt_Out"] is None
    one = get_record(harness.services, principal, "Contacts", smith_id, None).data[0]
    assert one["First_Name"] == "Ann" and one["Account_Name"]["name"] == "Acme"
    assert one["Created_Time"] == one["Modified_Time"]
    assert one["Created_Time"].endswith("+00:00")
