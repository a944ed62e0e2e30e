"""Custom modules and fields end to end: apply a schema, import into it, read records back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bulkwrite.domain.identity import Principal, Right
from bulkwrite.errors import (
    BulkWriteError,
    DataInvalid,
    MandatoryFieldsNotMapped,
    NoPermission,
    ResourceNotFound,
    ScopeMismatch,
    UrlPatternInvalid,
)
from bulkwrite.services.accounts import add_profile, add_user
from bulkwrite.services.records import RecordQuery, get_record, list_records
from bulkwrite.services.schema import apply_schema, show_schema
from bulkwrite.services.tokens import authenticate, create_token
from tests.contract.harness import Harness, counts

EXAMPLE = (Path(__file__).parents[2] / "examples" / "schema.yaml").read_text()
PROJECT_COLUMNS = (
    "Project_Name,Code,Client,Parent,Manager,Status,Tags,Budget,Hours,Progress,Start,"
    "Kickoff,Public,Mail"
)
PROJECT_MAPPINGS: list[dict[str, Any]] = [
    {"api_name": "Project_Name", "index": 0},
    {"api_name": "Code", "index": 1},
    {"api_name": "Client", "index": 2, "find_by": "Account_Name"},
    {"api_name": "Parent_Project", "index": 3, "find_by": "Project_Name"},
    {"api_name": "Manager", "index": 4, "find_by": "email"},
    {"api_name": "Status", "index": 5},
    {"api_name": "Tags", "index": 6},
    {"api_name": "Budget", "index": 7},
    {"api_name": "Hours", "index": 8},
    {"api_name": "Progress", "index": 9},
    {"api_name": "Start_Date", "index": 10, "format": "dd.MM.yyyy"},
    {"api_name": "Kickoff", "index": 11},
    {"api_name": "Is_Public", "index": 12},
    {"api_name": "Contact_Email", "index": 13},
]


def apply(harness: Harness, text: str) -> list[str]:
    return apply_schema(harness.services, harness.org.org.id, text).lines()


def projects(harness: Harness, text: str, operation: str = "insert", **res: Any) -> dict[str, Any]:
    res.setdefault("field_mappings", PROJECT_MAPPINGS)
    return harness.job(PROJECT_COLUMNS + "\n" + text, "Projects", operation, **res)


def read(harness: Harness, module: str, principal: Principal | None = None, **query: str) -> Any:
    page = list_records(
        harness.services, principal or harness.principal, module, RecordQuery(**query)
    )
    return page


def test_apply_is_idempotent_and_show_round_trips(harness: Harness) -> None:
    assert apply(harness, EXAMPLE) == [
        "created module Projects",
        "created module Milestones",
        "created module Projects_X_Contacts",
        "created module Reviewers",
        "added field Leads.Score",
        "added field Leads.Project",
    ]
    assert apply(harness, EXAMPLE) == ["no changes"]
    shown = show_schema(harness.services, harness.org.org.id)
    assert apply(harness, shown) == ["no changes"]
    assert "{api_name: Tags, type: multiselectpicklist" in shown
    one = show_schema(harness.services, harness.org.org.id, "projects")
    assert one.count("api_name: Projects") == 1 and "Leads" not in one
    with pytest.raises(ResourceNotFound):
        show_schema(harness.services, harness.org.org.id, "Nowhere")


def test_every_field_type_imports_and_reads_back_typed(harness: Harness) -> None:
    apply(harness, EXAMPLE)
    harness.job("Account_Name\nAcme\n", "Accounts")
    rows = (
        "Apollo,AP-1,Acme,,admin@test.example,active,Billable; urgent;Billable,1234.56,40,"
        "12.5%,28.11.2026,2026-11-28T09:30:00+05:30,yes,pm@example.com\n"
    )
    assert counts(projects(harness, rows)) == (1, 0, 0, 1)
    assert counts(projects(harness, "Gemini,GE-2,,Apollo,,,,,,,,,,\n")) == (1, 0, 0, 1)
    page = read(harness, "Projects", sort_by="Project_Name", sort_order="asc")
    apollo, gemini = page.data
    accounts = harness.records("Accounts")
    assert {k: apollo[k] for k in PROJECT_TYPED} == {
        "Project_Name": "Apollo",
        "Code": "AP-1",
        "Client": {"id": str(accounts[0]["id"]), "name": "Acme"},
        "Manager": {"id": harness.org.admin.id, "name": "Test Admin"},
        "Status": "Active",
        "Tags": ["Billable", "Urgent"],
        "Budget": 1234.56,
        "Hours": 40,
        "Progress": 12.5,
        "Start_Date": "2026-11-28",
        "Kickoff": "2026-11-28T09:30:00+05:30",
        "Is_Public": True,
        "Contact_Email": "pm@example.com",
        "Parent_Project": None,
        "Notes": None,
    }
    assert gemini["Parent_Project"] == {"id": apollo["id"], "name": "Apollo"}
    assert gemini["Tags"] is None and gemini["Is_Public"] is None
    assert isinstance(apollo["id"], str) and apollo["id"].isdigit()


PROJECT_TYPED = (
    "Project_Name",
    "Code",
    "Client",
    "Manager",
    "Status",
    "Tags",
    "Budget",
    "Hours",
    "Progress",
    "Start_Date",
    "Kickoff",
    "Is_Public",
    "Contact_Email",
    "Parent_Project",
    "Notes",
)


def test_custom_field_rules_become_row_errors(harness: Harness) -> None:
    apply(harness, EXAMPLE)
    rows = (
        "A,TOO-LONG-CODE-OVER-TWENTY,,,,Planned,Billable;Nope,,100001,,,,,\n"
        "B,B-1,,,,Cancelled,,,-1,,,,maybe,\n"
        "C,B-1,,,,,,,,,,,,\n"
        ",X-1,,,,,,,,,,,,\n"
    )
    details = projects(harness, rows)
    assert [r["ERRORS"] for r in harness.result_rows(details)] == [
        "INVALID_DATA-Code,Hours,Tags",
        "INVALID_DATA-Hours,Public,Status",
        "",
        "MANDATORY_NOT_FOUND-Project_Name",
    ]
    again = projects(harness, "D,B-1,,,,,,,,,,,,\nC,C-1,,,,,,,,,,,,\n")
    assert [r["ERRORS"] for r in harness.result_rows(again)] == [
        "DUPLICATE_DATA-Code",
        "DUPLICATE_DATA-Project_Name",
    ]


def test_a_field_added_to_a_module_with_data_keeps_it(harness: Harness) -> None:
    harness.job("Last_Name,Company,Email\nA,Co,a@x.example\nB,Co,b@x.example\n", "Leads")
    before = harness.records("Leads", "Last_Name", "Company", "Email")
    schema = (
        "modules:\n  - api_name: Leads\n    fields:\n"
        "      - {api_name: Score, type: integer, mandatory: true, min: 0, max: 100}\n"
        "      - {api_name: Badge, type: text, unique: true}\n"
    )
    assert apply(harness, schema) == ["added field Leads.Score", "added field Leads.Badge"]
    after = harness.records("Leads", "Last_Name", "Company", "Email", "Score", "Badge")
    assert [{k: r[k] for k in before[0]} for r in after] == before
    assert all(r["Score"] is None and r["Badge"] is None for r in after)
    update = "Email,Score,Badge\na@x.example,90,gold\nb@x.example,101,gold\n"
    details = harness.job(update, "Leads", "update", find_by="Email")
    assert [r["ERRORS"] for r in harness.result_rows(details)] == ["", "INVALID_DATA-Score"]
    scores = {r["Email"]: r["Score"] for r in harness.records("Leads", "Email", "Score")}
    assert scores == {"a@x.example": 90, "b@x.example": None}
    untouched = harness.job(
        "Email,Company\nb@x.example,NewCo\n", "Leads", "update", find_by="Email"
    )
    assert counts(untouched) == (0, 1, 0, 1)  # the new mandatory field binds new writes only


def test_a_new_mandatory_field_binds_new_records(harness: Harness) -> None:
    apply(
        harness,
        "modules: [{api_name: Leads, fields: [{api_name: Score, type: integer, mandatory: true}]}]",
    )
    with pytest.raises(MandatoryFieldsNotMapped):
        harness.job("Last_Name,Company\nA,Co\n", "Leads")
    details = harness.job("Last_Name,Company,Score\nA,Co,\nB,Co,7\n", "Leads")
    assert [r["ERRORS"] for r in harness.result_rows(details)] == [
        "MANDATORY_NOT_FOUND-Score",
        "",
    ]


def test_refused_files_change_nothing(harness: Harness) -> None:
    bad = EXAMPLE + "  - api_name: Contacts\n    fields: [{api_name: Email, type: text}]\n"
    with pytest.raises(DataInvalid) as caught:
        apply(harness, bad)
    assert caught.value.details["problems"] == [
        "Contacts.Email: cannot change the type from email to text"
    ]
    missing = "modules: [{api_name: Parcels, fields: [{api_name: Parcel_No, type: text}, "
    missing += "{api_name: Shop, type: lookup, lookup: Shops}]}]"
    with pytest.raises(DataInvalid, match="Shops, a module that does not exist"):
        apply(harness, missing)
    names = show_schema(harness.services, harness.org.org.id)
    assert "Projects" not in names and "Parcels" not in names and "Score" not in names


def test_changed_picklist_values_apply_to_the_next_job(harness: Harness) -> None:
    text = "Last_Name,Company,Rating\nA,Co,Warm\n"
    assert harness.result_rows(harness.job(text, "Leads"))[0]["ERRORS"] == "INVALID_DATA-Rating"
    schema = "modules: [{api_name: Leads, fields: [{api_name: Rating, type: picklist, "
    schema += "values: [Hot, Warm, Cold], label: Temperature}]}]"
    assert apply(harness, schema) == ["changed field Leads.Rating"]
    assert apply(harness, schema) == ["no changes"]
    assert counts(harness.job(text, "Leads")) == (1, 0, 0, 1)


def test_multi_select_picklists_in_a_custom_module(harness: Harness) -> None:
    schema = (
        "modules:\n  - api_name: Recipes\n    name_field: Title\n    fields:\n"
        "      - {api_name: Title, type: text, mandatory: true}\n"
        "      - {api_name: Diets, type: multiselectpicklist, "
        "values: [Vegan, Vegetarian, Gluten Free, 'Yes']}\n"
    )
    apply(harness, schema)
    text = (
        "Title,Diets\nSalad,vegan;gluten free\nSoup, Vegetarian ; ;VEGAN;vegan\n"
        "Steak,Carnivore\nToast,yes\nWater,\n"
    )
    details = harness.job(text, "Recipes")
    assert [r["ERRORS"] for r in harness.result_rows(details)] == [
        "",
        "",
        "INVALID_DATA-Diets",
        "",
        "",
    ]
    diets = {r["Title"]: r["Diets"] for r in read(harness, "Recipes").data}
    assert diets == {
        "Salad": ["Vegan", "Gluten Free"],
        "Soup": ["Vegetarian", "Vegan"],
        "Toast": ["Yes"],
        "Water": None,
    }


def test_records_pages_sorting_and_fields(harness: Harness) -> None:
    names = ["E", "C", "A", "D", "B"]
    text = "Last_Name,Company,No_of_Employees\n"
    text += "".join(f"{n},Co,{i}\n" for i, n in enumerate(names))
    harness.job(text, "Leads")
    first = read(harness, "Leads", per_page="2", sort_by="Last_Name")
    assert [r["Last_Name"] for r in first.data] == ["A", "B"]
    info = first.document()["info"]
    assert {k: info[k] for k in ("per_page", "count", "page", "more_records")} == {
        "per_page": 2, "count": 2, "page": 1, "more_records": True
    }  # fmt: skip
    assert info["next_page_token"] and info["page_token_expiry"]  # v3+: section 10's tokens
    last = read(harness, "Leads", per_page="2", page="3", sort_by="Last_Name")
    assert [r["Last_Name"] for r in last.data] == ["E"] and not last.more_records
    assert read(harness, "Leads", page="4", per_page="2").data == []
    desc = read(harness, "Leads", sort_by="No_of_Employees", sort_order="DESC", fields="Last_Name")
    assert [r for r in desc.data] == [
        {"id": r["id"], "Last_Name": n} for r, n in zip(desc.data, "BDACE", strict=True)
    ]
    assert [r["id"] for r in read(harness, "Leads").data] == sorted(r["id"] for r in desc.data)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"per_page": "201"}, "per_page"),
        ({"per_page": "0"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"sort_by": "Nope"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
        ({"fields": "Last_Name,Nope"}, "fields"),
    ],
)
def test_bad_record_queries_are_invalid_data(
    harness: Harness, query: dict[str, str], param: str
) -> None:
    with pytest.raises(DataInvalid) as caught:
        read(harness, "Leads", **query)
    assert caught.value.details["param_name"] == param


def test_record_reads_are_checked(harness: Harness) -> None:
    details = harness.job("Last_Name,Company\nA,Co\n", "Leads")
    record_id = harness.result_rows(details)[0]["RECORD_ID"]
    services = harness.services
    for bad_id in ("111111000000000001", "abc", "1" * 25):
        with pytest.raises(ResourceNotFound):
            get_record(services, harness.principal, "Leads", bad_id, None)
    with pytest.raises(UrlPatternInvalid):
        read(harness, "Nowhere")
    checks: list[tuple[list[str], str, type[BulkWriteError] | None]] = [
        (["ZohoCRM.bulk.ALL"], "Leads", ScopeMismatch),
        (["ZohoCRM.modules.contacts.READ"], "Leads", ScopeMismatch),
        (["ZohoCRM.modules.READ"], "Leads", None),
        (["ZohoCRM.modules.Leads.ALL"], "leads", None),
    ]
    for scopes, module, error in checks:
        token = create_token(services, harness.org.admin.id, scopes)
        principal = authenticate(services, f"Zoho-oauthtoken {token}")
        if error is None:
            assert get_record(services, principal, module, record_id, "Last_Name").data
        else:
            with pytest.raises(error):
                get_record(services, principal, module, record_id, None)
    org = harness.org.org
    add_profile(services, org, "Readers", False, {"Contacts": frozenset({Right.READ})})
    reader = add_user(services, org, "reader@test.example", "Reader", "Readers")
    token = create_token(services, reader.id, ["ZohoCRM.modules.ALL"])
    principal = authenticate(services, f"Zoho-oauthtoken {token}")
    assert read(harness, "Contacts", principal).data == []  # read right, no import privilege
    with pytest.raises(NoPermission):
        read(harness, "Leads", principal)


def test_a_file_with_problems_of_both_kinds_lists_them_all_in_one_pass(harness: Harness) -> None:
    # A field with a bad type (found reading the file) and a type change of an existing field
    # (found planning against the org): both are reported by one apply.
    bad = (
        "modules:\n"
        "  - api_name: Contacts\n    fields: [{api_name: Email, type: text}]\n"
        "  - api_name: Tickets\n    fields: [{api_name: Title, type: txt}]\n"
    )
    with pytest.raises(DataInvalid) as caught:
        apply(harness, bad)
    problems = caught.value.details["problems"]
    assert "Contacts.Email: cannot change the type from email to text" in problems
    assert any("Tickets" in p and "txt" in p for p in problems), problems
    assert len(problems) == 2, problems
