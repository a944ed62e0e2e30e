"""Zoho's v8 Python SDK reads a custom module's metadata and records from a live bulkwrite.

The schema is applied with the CLI while the server runs, data is imported over HTTP, then only
the SDK's public objects are used (ModulesOperations, FieldsOperations, RecordOperations).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from zohocrmsdk.src.com.zoho.api.authenticator import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zohocrmsdk.src.com.zoho.crm.api import HeaderMap, Initializer, ParameterMap, SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.dc import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.fields import ResponseWrapper as FieldsWrapper
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.modules import ResponseWrapper as ModulesWrapper
from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations
from zohocrmsdk.src.com.zoho.crm.api.record import ResponseWrapper as RecordsWrapper

from tests.integration.test_records_http import EXAMPLE, cli, import_csv

PROJECTS = (
    "Project_Name,Client.Account_Name,Tags,Budget,Hours,Start_Date,Kickoff,Is_Public\n"
    "Apollo,Acme,Billable;Urgent,12.5,3,2026-01-02,2026-01-02T10:00:00+02:00,true\n"
)


def init_sdk(base_url: str, token: str, sdk_dir: Path) -> None:
    sdk_dir.mkdir(parents=True, exist_ok=True)
    Initializer.initialize(
        environment=DataCenter.Environment(base_url, f"{base_url}/oauth/v2/token", base_url),
        token=OAuthToken(access_token=token),
        store=FileStore(str(sdk_dir / "sdk_tokens.csv")),
        sdk_config=SDKConfig(connect_timeout=10, read_timeout=60),
        resource_path=str(sdk_dir),
    )


def test_sdk_reads_custom_metadata_and_typed_records(live_server: Any, tmp_path: Path) -> None:
    assert cli(live_server, "schema", "apply", str(EXAMPLE)).returncode == 0
    assert import_csv(live_server, "Accounts", "Account_Name\nAcme\n")["status"] == "COMPLETED"
    assert import_csv(live_server, "Projects", PROJECTS)["status"] == "COMPLETED"
    init_sdk(live_server.base_url, live_server.token, tmp_path / "sdk8")

    modules = ModulesOperations().get_modules(ParameterMap(), HeaderMap()).get_object()
    assert isinstance(modules, ModulesWrapper)
    assert "Projects" in [m.get_api_name() for m in modules.get_modules()]

    params = ParameterMap()
    params.add(GetFieldsParam.module, "Projects")
    fields = FieldsOperations().get_fields(params).get_object()
    assert isinstance(fields, FieldsWrapper)
    by_name = {f.get_api_name(): f for f in fields.get_fields()}
    assert by_name["Client"].get_lookup().get_module().get_api_name() == "Accounts"
    tags = [v.get_actual_value() for v in by_name["Tags"].get_pick_list_values()]
    assert tags[:3] == ["Internal", "Billable", "Urgent"]

    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Project_Name,Client,Tags,Budget,Hours,Start_Date,Kickoff")
    records = RecordOperations("Projects").get_records(params, HeaderMap()).get_object()
    assert isinstance(records, RecordsWrapper)
    (apollo,) = records.get_data()
    assert apollo.get_key_value("Project_Name") == "Apollo"
    assert apollo.get_key_value("Client").get_key_value("name") == "Acme"
    assert [c.get_value() for c in apollo.get_key_value("Tags")] == ["Billable", "Urgent"]
    assert (apollo.get_key_value("Budget"), apollo.get_key_value("Hours")) == (12.5, 3)
    assert apollo.get_key_value("Start_Date") == dt.date(2026, 1, 2)
    kickoff = apollo.get_key_value("Kickoff")
    assert kickoff == dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.UTC)
    assert records.get_info().get_more_records() is False


def test_sdk_pages_records_by_page_token(live_server: Any, tmp_path: Path) -> None:
    """``get_records`` with ``page_token``: the SDK parses the token and its expiry, and the
    pages it asks for walk the module in order."""
    assert cli(live_server, "schema", "apply", str(EXAMPLE)).returncode == 0
    names = [f"P{n:02}" for n in range(7)]
    csv_text = "Project_Name\n" + "".join(f"{name}\n" for name in reversed(names))
    assert import_csv(live_server, "Projects", csv_text)["status"] == "COMPLETED"
    init_sdk(live_server.base_url, live_server.token, tmp_path / "sdk8")
    seen: list[str] = []
    token: str | None = None
    while True:
        params = ParameterMap()
        params.add(GetRecordsParam.fields, "Project_Name")
        params.add(GetRecordsParam.per_page, 3)
        params.add(GetRecordsParam.sort_by, "Project_Name")
        if token is not None:
            params.add(GetRecordsParam.page_token, token)
        page = RecordOperations("Projects").get_records(params, HeaderMap()).get_object()
        assert isinstance(page, RecordsWrapper), page
        seen += [r.get_key_value("Project_Name") for r in page.get_data()]
        info = page.get_info()
        assert isinstance(info.get_page_token_expiry(), dt.datetime)
        token = info.get_next_page_token()
        if not info.get_more_records():
            assert token is None
            break
        assert isinstance(token, str)
    assert seen == names
