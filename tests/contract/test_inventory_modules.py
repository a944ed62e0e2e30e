"""The second table of standard modules (standard-modules.md): every module there, its line
items as child modules, read-only and child fields never mapped, Tasks' polymorphic What_Id,
Layout mappings (contract section 12)."""

from __future__ import annotations

from typing import Any

import pytest

from bulkwrite.domain.children import PARENT_ID
from bulkwrite.domain.modules import FieldType, ModuleKind
from bulkwrite.errors import DataInvalid
from bulkwrite.services.records import RecordQuery, list_records
from bulkwrite.services.schema import metadata_modules
from tests.contract.children import resource, table, zipped
from tests.contract.harness import Harness, counts

SECOND_TABLE = (
    "Tasks",
    "Campaigns",
    "Cases",
    "Solutions",
    "Price_Books",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
)
LINE_ITEMS = {
    "Quotes": "Quoted_Items",
    "Sales_Orders": "Ordered_Items",
    "Purchase_Orders": "Purchase_Items",
    "Invoices": "Invoiced_Items",
}


def _body(harness: Harness, text: str, module: str, mappings: list[dict[str, Any]]) -> Any:
    return {
        "operation": "insert",
        "resource": [
            {
                "type": "data",
                "module": {"api_name": module},
                "file_id": harness.upload(text),
                "field_mappings": mappings,
            }
        ],
    }


def _refused(harness: Harness, body: dict[str, Any]) -> DataInvalid:
    with pytest.raises(DataInvalid) as caught:
        harness.run(body)
    return caught.value


def test_a_new_org_has_every_module_of_both_tables(harness: Harness) -> None:
    modules = {m.api_name: m for m in metadata_modules(harness.services, harness.principal)}
    for name in SECOND_TABLE:
        assert modules[name].kind is ModuleKind.MODULE
        assert modules[name].layout_id
    for parent, items in LINE_ITEMS.items():
        child = modules[items]
        assert (child.kind, child.parent) == (ModuleKind.SUBFORM, parent)
        field = modules[parent].field(items)
        assert field is not None and field.type is FieldType.SUBFORM
        assert field.child_module == items
        parent_id = child.field(PARENT_ID)
        assert parent_id is not None and parent_id.lookup_module == parent
        assert [f.api_name for f in child.mandatory_fields] == ["Product_Name", "Quantity"]
        read_only = {f.api_name for f in child.fields if f.read_only}
        assert read_only == {"Total", "Net_Total"}
        totals = {f.api_name for f in modules[parent].fields if f.read_only}
        assert totals == {"Sub_Total", "Grand_Total"}
    assert len({m.layout_id for m in modules.values()}) == len(modules)


def test_quotes_are_written_and_picklists_accept_none(harness: Harness) -> None:
    harness.job("Account_Name\nAcme\n", "Accounts")
    text = "Subject,Account,Stage,Carrier\nQ1,Acme,Draft,-None-\nQ2,Acme,Nope,UPS\n"
    details = harness.job(
        text,
        "Quotes",
        field_mappings=[
            {"api_name": "Subject", "index": 0},
            {"api_name": "Account_Name", "index": 1, "find_by": "Account_Name"},
            {"api_name": "Quote_Stage", "index": 2},
            {"api_name": "Carrier", "index": 3},
        ],
    )
    assert counts(details) == (1, 0, 1, 2)
    assert harness.result_rows(details)[1]["ERRORS"] == "INVALID_DATA-Stage"
    (quote,) = harness.records("Quotes", "Subject", "Carrier", "Grand_Total")
    assert (quote["Subject"], quote["Carrier"], quote["Grand_Total"]) == ("Q1", "-None-", None)


def test_cases_demand_their_mandatory_picklists(harness: Harness) -> None:
    text = "Subject,Status,Origin\nBroken,New,Email\nLost,,Web\nOdd,Escalated,Fax\n"
    details = harness.job(
        text,
        "Cases",
        field_mappings=[
            {"api_name": "Subject", "index": 0},
            {"api_name": "Status", "index": 1},
            {"api_name": "Case_Origin", "index": 2},
        ],
    )
    assert [r["ERRORS"] for r in harness.result_rows(details)] == [
        "",
        "MANDATORY_NOT_FOUND-Status",
        "INVALID_DATA-Origin",
    ]


@pytest.mark.parametrize(
    ("module", "field"),
    [("Quotes", "Grand_Total"), ("Quotes", "Sub_Total"), ("Quotes", "Quoted_Items")],
)
def test_read_only_and_child_fields_cannot_be_mapped(
    harness: Harness, module: str, field: str
) -> None:
    mappings = [{"api_name": "Subject", "index": 0}, {"api_name": field, "index": 1}]
    error = _refused(harness, _body(harness, "Subject,X\nQ,1\n", module, mappings))
    assert error.details["api_name"] == field
    assert error.details["json_path"] == "$.resource[0].field_mappings[1].api_name"


def test_what_id_takes_its_target_from_se_module(harness: Harness) -> None:
    harness.job("Account_Name\nAcme\n", "Accounts")
    deal = harness.job("Deal_Name,Stage,Closing_Date\nBig,Qualification,12/31/2026\n", "Deals")
    deal_id = harness.result_rows(deal)[0]["RECORD_ID"]
    (account,) = harness.records("Accounts", "Account_Name")
    text = (
        "Subject,What,Module\n"
        f"Call,{account['id']},Accounts\n"
        f"Visit,{deal_id},deals\n"
        f"Mail,{deal_id},Accounts\n"
        f"Fax,{deal_id},Leads\n"
        f"Memo,{deal_id},\n"
    )
    details = harness.job(
        text,
        "Tasks",
        field_mappings=[
            {"api_name": "Subject", "index": 0},
            {"api_name": "What_Id", "index": 1},
            {"api_name": "$se_module", "index": 2},
        ],
    )
    assert [r["ERRORS"] for r in harness.result_rows(details)] == [
        "",
        "",
        "RESOURCE_NOT_FOUND-What",
        "INVALID_DATA-Module",
        "INVALID_DATA-Module",
    ]
    tasks = {r["Subject"]: r for r in harness.records("Tasks", "Subject", "What_Id", "$se_module")}
    assert (tasks["Call"]["What_Id"], tasks["Call"]["$se_module"]) == (account["id"], "Accounts")
    assert (tasks["Visit"]["What_Id"], tasks["Visit"]["$se_module"]) == (int(deal_id), "Deals")


def test_what_id_takes_its_target_from_the_mapping_module_key(harness: Harness) -> None:
    harness.job("Account_Name\nAcme\n", "Accounts")
    (account,) = harness.records("Accounts", "Account_Name")
    mappings = [
        {"api_name": "Subject", "index": 0},
        {"api_name": "What_Id", "index": 1, "module": {"api_name": "Accounts"}},
    ]
    details = harness.run(
        _body(harness, f"Subject,What\nCall,{account['id']}\n", "Tasks", mappings)
    )
    assert counts(details) == (1, 0, 0, 1)
    (task,) = harness.records("Tasks", "What_Id", "$se_module")
    assert (task["What_Id"], task["$se_module"]) == (account["id"], "Accounts")


@pytest.mark.parametrize("module", [None, "Leads"])
def test_what_id_without_a_valid_target_is_refused(harness: Harness, module: str | None) -> None:
    what: dict[str, Any] = {"api_name": "What_Id", "index": 1}
    if module is not None:
        what["module"] = module
    mappings = [{"api_name": "Subject", "index": 0}, what]
    error = _refused(harness, _body(harness, "Subject,What\nCall,1\n", "Tasks", mappings))
    assert error.details["json_path"] == "$.resource[0].field_mappings[1].module"


def test_a_layout_mapping_names_the_module_s_one_layout(harness: Harness) -> None:
    modules = {m.api_name: m for m in metadata_modules(harness.services, harness.principal)}
    text = "Last_Name,Company\nSmith,Acme\n"
    base = [{"api_name": "Last_Name", "index": 0}, {"api_name": "Company", "index": 1}]
    layout = {"api_name": "Layout", "default_value": {"value": modules["Leads"].layout_id}}
    details = harness.run(_body(harness, text, "Leads", [*base, layout]))
    assert counts(details) == (1, 0, 0, 1)
    echoed = details["resource"][0]["field_mappings"][2]
    assert echoed["api_name"] == "Layout"
    other = {"api_name": "Layout", "default_value": {"value": modules["Contacts"].layout_id}}
    error = _refused(harness, _body(harness, text, "Leads", [*base, other]))
    assert error.details["json_path"] == "$.resource[0].field_mappings[2].default_value"


def test_header_auto_mapping_leaves_read_only_and_child_columns_unmapped(
    harness: Harness,
) -> None:
    harness.job("Account_Name\nAcme\n", "Accounts")
    text = "Subject,Account_Name.Account_Name,Grand_Total,Quoted_Items\nQ1,Acme,99,x\n"
    details = harness.job(text, "Quotes")
    assert counts(details) == (1, 0, 0, 1)
    mapped = [m["api_name"] for m in details["resource"][0]["field_mappings"]]
    assert mapped == ["Subject", "Account_Name"]
    (quote,) = harness.records("Quotes", "Subject", "Grand_Total")
    assert quote["Grand_Total"] is None


def test_a_custom_module_with_child_fields_is_applied_and_shown(harness: Harness) -> None:
    from bulkwrite.services.schema import apply_schema, show_schema
    from tests.integration.test_child_records_http import PROJECTS

    org = harness.org.org.id
    changes = apply_schema(harness.services, org, PROJECTS)
    assert changes.created_modules == ("Projects", "Milestones", "Projects_X_Contacts", "Reviewers")
    assert apply_schema(harness.services, org, PROJECTS).nothing
    shown = show_schema(harness.services, org, "Projects")
    assert "{api_name: Reviewers, type: multiuserlookup}" in shown
    assert "linking_module: Projects_X_Contacts}" in shown
    assert "type: subform, fields: [{api_name: Title, type: text, mandatory: true}" in shown
    mappings = [{"api_name": "Project_Name", "index": 0}, {"api_name": "Members", "index": 1}]
    error = _refused(harness, _body(harness, "Name,Members\nApollo,x\n", "Projects", mappings))
    assert error.details["json_path"] == "$.resource[0].field_mappings[1].api_name"


def test_what_id_reads_back_with_the_name_of_its_target(harness: Harness) -> None:
    from bulkwrite.services.records import RecordQuery, list_records

    harness.job("Account_Name\nAcme\n", "Accounts")
    deal = harness.job("Deal_Name,Stage,Closing_Date\nBig,Qualification,12/31/2026\n", "Deals")
    deal_id = harness.result_rows(deal)[0]["RECORD_ID"]
    (account,) = harness.records("Accounts", "Account_Name")
    text = f"Subject,What,Module\nCall,{account['id']},Accounts\nVisit,{deal_id},Deals\n"
    mappings = [
        {"api_name": "Subject", "index": 0},
        {"api_name": "What_Id", "index": 1},
        {"api_name": "$se_module", "index": 2},
    ]
    harness.run(_body(harness, text, "Tasks", mappings))
    for fields in ("Subject,What_Id,$se_module", "Subject,What_Id"):
        page = list_records(harness.services, harness.principal, "Tasks", RecordQuery(fields))
        by_subject = {r["Subject"]: r for r in page.data}
        assert by_subject["Call"]["What_Id"] == {"id": str(account["id"]), "name": "Acme"}
        assert by_subject["Visit"]["What_Id"] == {"id": deal_id, "name": "Big"}
    assert by_subject["Visit"].get("$se_module") is None  # not asked for


def test_child_fields_cost_one_query_per_child_module_per_page(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bulkwrite.services import record_children
    from bulkwrite.services.records import RecordQuery, list_records
    from bulkwrite.services.schema import apply_schema
    from tests.integration.test_child_records_http import PROJECTS

    apply_schema(harness.services, harness.org.org.id, PROJECTS)
    harness.job("Project_Name\n" + "".join(f"P{i}\n" for i in range(30)), "Projects")
    calls: list[str] = []
    real = record_children.child_values

    def counted(tx: Any, *args: Any) -> Any:
        original = tx.child_rows

        def child_rows(table: str, *rest: Any) -> Any:
            calls.append(table)
            return original(table, *rest)

        tx.child_rows = child_rows
        try:
            return real(tx, *args)
        finally:
            del tx.child_rows

    monkeypatch.setattr("bulkwrite.services.records.child_values", counted)
    page = list_records(harness.services, harness.principal, "Projects", RecordQuery())
    assert len(page.data) == 30
    assert all(r["Milestones"] == [] and r["Reviewers"] == [] for r in page.data)
    assert len(calls) == 3  # Milestones, Projects_X_Contacts, Reviewers: once each


@pytest.mark.parametrize(
    ("field", "module", "accepted"),
    [
        ("Account_Name", "accounts", True),
        ("Account_Name", "Deals", False),
        ("Owner", "Users", True),
        ("Owner", "Accounts", False),
        ("Phone", "Accounts", False),
    ],
)
def test_a_mapping_s_module_key_is_acted_on_or_refused(
    harness: Harness, field: str, module: str, accepted: bool
) -> None:
    harness.job("Account_Name\nAcme\n", "Accounts")
    (account,) = harness.records("Accounts", "Account_Name")
    values = {"Account_Name": str(account["id"]), "Owner": "admin@test.example", "Phone": "1"}
    mapping: dict[str, Any] = {"api_name": field, "index": 1, "module": {"api_name": module}}
    if field == "Owner":
        mapping["find_by"] = "email"
    body = _body(
        harness,
        f"Last_Name,X\nSmith,{values[field]}\n",
        "Contacts",
        [{"api_name": "Last_Name", "index": 0}, mapping],
    )
    if accepted:
        assert counts(harness.run(body)) == (1, 0, 0, 1)
    else:
        error = _refused(harness, body)
        assert error.details["json_path"] == "$.resource[0].field_mappings[1].module"


def test_a_quote_job_with_line_items_reads_back_with_rows_and_totals(harness: Harness) -> None:
    harness.job("Account_Name\nAcme\n", "Accounts")
    harness.job("Product_Name,Unit_Price\nWidget,4\nGadget,10\n", "Products")
    quotes = table(["Ref", "Subject", "Account"], ["Q1", "First", "Acme"], ["Q2", "Second", "Acme"])
    items = table(
        ["Quote", "Product", "Qty", "Discount"],
        ["Q1", "Widget", "2", "1"],
        ["Q1", "Gadget", "1", ""],
        ["Q2", "Widget", "0", ""],
    )
    file_id = harness.upload(zipped({"quotes.csv": quotes, "items.csv": items}), "quotes.zip")
    quote_mappings = [
        {"api_name": "Subject", "index": 1},
        {"api_name": "Account_Name", "index": 2, "find_by": "Account_Name"},
    ]
    item_mappings = [
        {"api_name": "Parent_Id", "index": 0, "parent_column_index": 0},
        {"api_name": "Product_Name", "index": 1, "find_by": "Product_Name"},
        {"api_name": "Quantity", "index": 2},
        {"api_name": "Discount", "index": 3},
    ]
    body = {
        "operation": "insert",
        "resource": [
            resource("Quotes", file_id, "quotes.csv", quote_mappings),
            resource("Quoted_Items", file_id, "items.csv", item_mappings),
        ],
    }
    details = harness.run(body)
    assert details["status"] == "COMPLETED", details
    files = [r["file"] for r in details["resource"]]
    assert [(f["added_count"], f["skipped_count"]) for f in files] == [(2, 0), (2, 1)]
    page = list_records(harness.services, harness.principal, "Quotes", RecordQuery())
    by_subject = {r["Subject"]: r for r in page.data}
    first = by_subject["First"]
    rows = first["Quoted_Items"]
    assert [(r["Product_Name"]["name"], r["Quantity"]) for r in rows] == [
        ("Widget", 2.0),
        ("Gadget", 1.0),
    ]
    assert all(r["Parent_Id"] == {"id": first["id"], "name": "First"} for r in rows)
    assert [r["Net_Total"] for r in rows] == [7.0, 10.0]  # 2 x 4 - 1; 1 x 10 (price of product)
    assert first["Grand_Total"] == 17.0
    assert by_subject["Second"]["Quoted_Items"] == []  # its one row had Quantity 0: SKIPPED
