"""A parent-child job (contract section 12) through Zoho's official v8 SDK, unchanged: a zip of
two CSVs built as Zoho's docs show, two resources sharing its file_id, each naming its CSV with
``file_names``; the child linked by ``parent_column_index``; details and result parsed by the
SDK."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from zohocrmsdk.src.com.zoho.crm.api.bulk_write import (
    BulkWriteOperations,
    FieldMapping,
    RequestWrapper,
    Resource,
)
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule
from zohocrmsdk.src.com.zoho.crm.api.util import Choice

from bulkwrite.client import Client
from tests.contract.children import ITEMS, add_children_to, table, zipped

from .helpers import poll
from .test_sdk8_flow import Sdk, created_job_id, describe, init_sdk, job_details, upload


@pytest.fixture
def sdk(live_server: Any, tmp_path: Path) -> Sdk:
    add_children_to(live_server.services, live_server.demo.org.id)
    with Client(live_server.base_url, live_server.token) as client:
        products = table(["Product_Name", "Unit_Price"], ["Widget", "5"])
        file_id = client.upload(products.encode(), "products.csv")
        body = {
            "operation": "insert",
            "resource": [{"type": "data", "module": {"api_name": "Products"}, "file_id": file_id}],
        }
        assert client.wait(client.create_job(body)).status == "COMPLETED"
    store = init_sdk(live_server.base_url, live_server.token, tmp_path / "sdk8")
    return Sdk(BulkWriteOperations(), store, live_server.base_url, live_server.zgid, tmp_path)


def _resource(
    module: str, file_id: str, name: str, mapping: list[tuple[str, int, dict[str, Any]]]
) -> Resource:
    resource = Resource()
    resource.set_type(Choice("data"))
    module_ref = MinifiedModule()
    module_ref.set_api_name(module)
    resource.set_module(module_ref)
    resource.set_file_id(file_id)
    resource.set_file_names([name])
    mappings = []
    for api_name, index, extra in mapping:
        field_mapping = FieldMapping()
        field_mapping.set_api_name(api_name)
        field_mapping.set_index(index)
        if "parent_column_index" in extra:
            field_mapping.set_parent_column_index(extra["parent_column_index"])
        if "find_by" in extra:
            field_mapping.set_find_by(extra["find_by"])
        mappings.append(field_mapping)
    resource.set_field_mappings(mappings)
    return resource


def test_a_parent_and_its_line_items_through_the_sdk(sdk: Sdk) -> None:
    deals = table(
        ["Ref", "Deal_Name", "Stage", "Closing_Date"],
        ["D1", "Alpha", "Qualification", "01/15/2027"],
        ["D2", "Beta", "Qualification", "01/16/2027"],
    )
    items = table(
        ["Deal_Ref", "Product", "Qty", "Price"],
        ["D1", "Widget", "2", "10"],
        ["D2", "Widget", "1", ""],
        ["D9", "Widget", "1", ""],
    )
    path = sdk.tmp / "deals_with_items.zip"
    path.write_bytes(zipped({"deals.csv": deals, "items.csv": items}))
    file_id = upload(sdk, path)
    request = RequestWrapper()
    request.set_operation(Choice("insert"))
    parent = _resource(
        "Deals",
        file_id,
        "deals.csv",
        [("Deal_Name", 1, {}), ("Stage", 2, {}), ("Closing_Date", 3, {})],
    )
    child = _resource(
        ITEMS,
        file_id,
        "items.csv",
        [
            ("Parent_Id", 0, {"parent_column_index": 0}),
            ("Product_Name", 1, {"find_by": "Product_Name"}),
            ("Quantity", 2, {}),
            ("List_Price", 3, {}),
        ],
    )
    request.set_resource([parent, child])
    job_id = created_job_id(sdk.ops.create_bulk_write_job(request))
    details, raw = poll(
        lambda: job_details(sdk, job_id), lambda d: d[0].get_status() == "COMPLETED"
    )
    resources = details.get_resource()
    assert [r.get_module().get_api_name() for r in resources] == ["Deals", ITEMS], describe(None)
    assert [r.get_status().get_value() for r in resources] == ["COMPLETED", "COMPLETED"]
    files = [r.get_file() for r in resources]
    assert [(f.get_added_count(), f.get_skipped_count(), f.get_total_count()) for f in files] == [
        (2, 0, 2),
        (2, 1, 3),
    ]
    echoed = resources[1].get_field_mappings()[0]
    assert echoed.get_parent_column_index() == 0
    assert raw["resource"][1]["file"]["name"] == "items.csv"
    response = sdk.ops.download_bulk_write_result(details.get_result().get_download_url())
    assert response is not None and response.get_status_code() == 200, describe(response)
    stream = response.get_object().get_file()
    data = b"".join(stream.get_stream())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["Deals-deals.csv", f"{ITEMS}-items.csv"]
        text = archive.read(f"{ITEMS}-items.csv").decode()
    assert text.splitlines()[-1].endswith("SKIPPED,,RESOURCE_NOT_FOUND-Deal_Ref")
