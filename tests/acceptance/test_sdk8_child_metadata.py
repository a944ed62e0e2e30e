"""Zoho's v8 Python SDK reads the metadata of child modules from a live bulkwrite (contract
section 12): which modules are listed, subform, line-item, multi-select, multi-user and
polymorphic lookup fields, read-only totals, and each module's one layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from zohocrmsdk.src.com.zoho.crm.api import HeaderMap, ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.fields import ResponseWrapper as FieldsWrapper
from zohocrmsdk.src.com.zoho.crm.api.layouts import GetLayoutsParam, LayoutsOperations
from zohocrmsdk.src.com.zoho.crm.api.layouts import ResponseWrapper as LayoutsWrapper
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.modules import ResponseWrapper as ModulesWrapper

from bulkwrite.services.schema import apply_schema
from tests.acceptance.test_sdk8_records import init_sdk
from tests.integration.test_child_records_http import PROJECTS


def _fields(module: str) -> dict[str, Any]:
    params = ParameterMap()
    params.add(GetFieldsParam.module, module)
    fields = FieldsOperations().get_fields(params).get_object()
    assert isinstance(fields, FieldsWrapper), fields
    return {f.get_api_name(): f for f in fields.get_fields()}


def test_sdk_reads_child_module_metadata(live_server: Any, tmp_path: Path) -> None:
    assert live_server.demo is not None
    apply_schema(live_server.services, live_server.demo.org.id, PROJECTS)
    init_sdk(live_server.base_url, live_server.token, tmp_path / "sdk8")

    modules = ModulesOperations().get_modules(ParameterMap(), HeaderMap()).get_object()
    assert isinstance(modules, ModulesWrapper)
    listed = {m.get_api_name(): m for m in modules.get_modules()}
    assert {"Tasks", "Quotes", "Invoices", "Projects", "Projects_X_Contacts"} <= set(listed)
    assert "Quoted_Items" not in listed and "Milestones" not in listed  # as Zoho: subforms
    assert listed["Projects_X_Contacts"].get_generated_type().get_value() == "linking"

    quotes = _fields("Quotes")
    items = quotes["Quoted_Items"]
    assert items.get_data_type() == "subform"
    assert items.get_associated_module().get_api_name() == "Quoted_Items"
    assert quotes["Grand_Total"].get_read_only() is True
    assert quotes["Subject"].get_read_only() is False
    line = _fields("Quoted_Items")  # a subform module's own fields, as Zoho serves them
    assert line["Product_Name"].get_lookup().get_module().get_api_name() == "Products"
    assert line["Net_Total"].get_read_only() is True

    projects = _fields("Projects")
    members = projects["Members"]
    assert members.get_data_type() == "multiselectlookup"
    linking = members.get_multiselectlookup().get_linking_details()
    assert linking.get_module().get_api_name() == "Projects_X_Contacts"
    assert linking.get_lookup_field().get_api_name() == "Projects"
    assert linking.get_connected_lookup_field().get_api_name() == "Contacts"
    reviewers = projects["Reviewers"]
    assert reviewers.get_data_type() == "multiuserlookup"
    assert reviewers.get_multiuserlookup().get_linking_details().get_module().get_api_name() == (
        "Reviewers"
    )
    assert projects["Milestones"].get_associated_module().get_api_name() == "Milestones"

    what = _fields("Tasks")["What_Id"]
    targets = [m.get_api_name() for m in what.get_multi_module_lookup().get_modules()]
    assert targets[:2] == ["Accounts", "Deals"] and "Cases" in targets

    params = ParameterMap()
    params.add(GetLayoutsParam.module, "Quotes")
    layouts = LayoutsOperations().get_layouts(params).get_object()
    assert isinstance(layouts, LayoutsWrapper), layouts
    (layout,) = layouts.get_layouts()
    assert layout.get_name() == "Standard"
    with httpx.Client(base_url=live_server.base_url, headers=live_server.headers()) as client:
        answer = client.get("/crm/v8/settings/layouts", params={"module": "Quotes"}).json()
        missing = client.get("/crm/v8/settings/layouts", params={"module": "Nope"})
        bare = client.get("/crm/v8/settings/layouts")
    assert answer == {
        "layouts": [
            {"id": str(layout.get_id()), "name": "Standard", "status": "active", "visible": True}
        ]
    }
    assert (missing.status_code, missing.json()["code"]) == (400, "MODULE_NOT_AVAILABLE")
    assert (bare.status_code, bare.json()["code"]) == (400, "INVALID_DATA")


def test_sdk_reads_records_with_their_rows_and_links(live_server: Any, tmp_path: Path) -> None:
    import polars as pl
    from zohocrmsdk.src.com.zoho.crm.api.record import RecordOperations
    from zohocrmsdk.src.com.zoho.crm.api.record import ResponseWrapper as RecordsWrapper

    assert live_server.demo is not None
    org = live_server.demo.org.id
    apply_schema(live_server.services, org, PROJECTS)
    moment = "2026-11-28T12:00:00+00:00"
    stamp = {"Created_Time": moment, "Modified_Time": moment}
    rows = {
        "Contacts": {"id": [11], "Last_Name": ["Smith"]},
        "Projects": {"id": [1], "Project_Name": ["Apollo"]},
        "Milestones": {"id": [101], "Parent_Id": [1], "Title": ["Design"], "Weight": [1.5]},
        "Projects_X_Contacts": {"id": [301], "Projects": [1], "Contacts": [11]},
        "Reviewers": {"id": [401], "Parent_Id": [1], "User": [int(live_server.demo.admin.id)]},
    }
    with live_server.services.store.transaction() as tx:
        for module, frame in rows.items():
            tx.insert_frame(tx.record_table(org, module), pl.DataFrame(frame), stamp)
    init_sdk(live_server.base_url, live_server.token, tmp_path / "sdk8")
    records = RecordOperations("Projects").get_records(ParameterMap(), HeaderMap()).get_object()
    assert isinstance(records, RecordsWrapper), records
    (apollo,) = records.get_data()
    (milestone,) = apollo.get_key_value("Milestones")
    assert milestone.get_key_value("Title") == "Design"
    assert milestone.get_key_value("Weight") == 1.5
    (member,) = apollo.get_key_value("Members")
    assert member.get_key_value("name") == "Smith"
    (reviewer,) = apollo.get_key_value("Reviewers")
    assert reviewer.get_key_value("email") == live_server.demo.admin.email
