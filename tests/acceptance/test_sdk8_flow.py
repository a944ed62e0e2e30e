"""Zoho's official v8 Python SDK (`zohocrmsdk8-0`, import `zohocrmsdk`) against a live bulkwrite.

Only the SDK's public objects are used, exactly as a Zoho customer would, with the base URL as the
only change: upload -> create insert job -> poll -> download and check the result file row by row,
then an upsert by id over the records just created, then errors surfaced as APIException.
See docs/sdk-notes.md for the requests the SDK sends and what it requires of the answers.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from zohocrmsdk.src.com.zoho.api.authenticator import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zohocrmsdk.src.com.zoho.crm.api import HeaderMap, Initializer, SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.bulk_write import (
    APIException,
    BulkWriteOperations,
    BulkWriteResponse,
    CallBack,
    FieldMapping,
    FileBodyWrapper,
    RequestWrapper,
    Resource,
    SuccessResponse,
    UploadFileHeader,
)
from zohocrmsdk.src.com.zoho.crm.api.dc import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule
from zohocrmsdk.src.com.zoho.crm.api.util import APIResponse, Choice, StreamWrapper

from .helpers import (
    JOB_RUNNING,
    LEADS_HEADER,
    LEADS_MAPPING,
    CallbackReceiver,
    ResultFile,
    Row,
    check_result,
    is_record_id,
    leads_rows,
    poll,
    read_result_zip,
    write_csv,
    zip_one,
)

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def init_sdk(base_url: str, token: str, sdk_dir: Path, *, find_user: bool = True) -> FileStore:
    """Point the SDK at bulkwrite: one Environment whose API, accounts and content URLs are ours.

    With find_user (the SDK's default) initialisation sends GET /crm/v8/users?type=CurrentUser and
    GET /crm/v8/org. If either fails the SDK logs it with a malformed logging call, which pytest's
    log capture turns into a TypeError; so tokens without the users/org scopes pass find_user=False.
    """
    sdk_dir.mkdir(parents=True, exist_ok=True)
    environment = DataCenter.Environment(base_url, f"{base_url}/oauth/v2/token", base_url)
    store = FileStore(str(sdk_dir / "sdk_tokens.csv"))
    Initializer.initialize(
        environment=environment,
        token=OAuthToken(access_token=token, find_user=find_user),
        store=store,
        sdk_config=SDKConfig(connect_timeout=10, read_timeout=120),
        resource_path=str(sdk_dir),
    )
    return store


@dataclass
class Sdk:
    ops: BulkWriteOperations
    store: FileStore
    base_url: str
    zgid: str
    tmp: Path


@pytest.fixture
def sdk(live_server: Any, tmp_path: Path) -> Sdk:
    store = init_sdk(live_server.base_url, live_server.token, tmp_path / "sdk8")
    return Sdk(BulkWriteOperations(), store, live_server.base_url, live_server.zgid, tmp_path)


def describe(response: APIResponse | None) -> str:
    if response is None:
        return "no response (the SDK swallowed an error; see the SDKLogger log)"
    obj = response.get_object()
    if obj is None:
        return (
            f"HTTP {response.get_status_code()}: the SDK dropped the body (no JSON/known "
            "Content-Type, or a non-numeric id / non-ISO-8601 time in it)"
        )
    if isinstance(obj, APIException):
        return (
            f"HTTP {response.get_status_code()} APIException {obj.get_code().get_value()}: "
            f"{obj.get_message().get_value()} {obj.get_details()}"
        )
    return (
        f"HTTP {response.get_status_code()} {type(obj).__name__} {response.get_response_json()!r}"
    )


def upload(sdk: Sdk, path: Path) -> str:
    with path.open("rb") as stream:  # the multipart filename is the stream's basename
        body = FileBodyWrapper()
        body.set_file(StreamWrapper(name=path.name, stream=stream))
        headers = HeaderMap()
        headers.add(UploadFileHeader.feature, "bulk-write")
        headers.add(UploadFileHeader.x_crm_org, sdk.zgid)
        response = sdk.ops.upload_file(body, headers)
    assert response is not None and response.get_status_code() == 200, describe(response)
    obj = response.get_object()
    assert isinstance(obj, SuccessResponse), describe(response)
    assert obj.get_status().get_value() == "success"
    assert obj.get_code().get_value() == "FILE_UPLOAD_SUCCESS"
    details = obj.get_details()
    assert isinstance(details["file_id"], int), "the SDK parses file_id as a Long"
    assert isinstance(details["created_time"], dt.datetime)
    return str(details["file_id"])  # Resource.set_file_id wants a str


def create_job(
    sdk: Sdk,
    *,
    operation: str,
    module: str,
    file_id: str,
    mapping: list[tuple[str, int]],
    find_by: str | None = None,
    callback_url: str | None = None,
) -> APIResponse:
    resource = Resource()
    resource.set_type(Choice("data"))
    module_ref = MinifiedModule()
    module_ref.set_api_name(module)
    resource.set_module(module_ref)
    resource.set_file_id(file_id)
    if find_by is not None:
        resource.set_find_by(find_by)
    field_mappings = []
    for api_name, index in mapping:
        field_mapping = FieldMapping()
        field_mapping.set_api_name(api_name)
        field_mapping.set_index(index)
        field_mappings.append(field_mapping)
    resource.set_field_mappings(field_mappings)
    request = RequestWrapper()
    request.set_operation(Choice(operation))
    request.set_character_encoding("UTF-8")
    request.set_resource([resource])
    if callback_url is not None:
        callback = CallBack()
        callback.set_url(callback_url)
        callback.set_method(Choice("post"))
        request.set_callback(callback)
    return sdk.ops.create_bulk_write_job(request)


def created_job_id(response: APIResponse | None) -> str:
    assert response is not None and response.get_status_code() == 201, describe(response)
    obj = response.get_object()
    assert isinstance(obj, SuccessResponse), describe(response)
    assert obj.get_status().get_value() == "success"
    assert obj.get_code().get_value() == "SUCCESS"
    job_id = obj.get_details()["id"]
    assert is_record_id(job_id), f"job id {job_id!r} must be an 18-19 digit string"
    assert isinstance(obj.get_details()["created_by"].get_id(), int)
    return str(job_id)


def job_details(sdk: Sdk, job_id: str) -> tuple[BulkWriteResponse, dict[str, Any]]:
    response = sdk.ops.get_bulk_write_job_details(job_id)
    assert response is not None and response.get_status_code() == 200, describe(response)
    obj = response.get_object()
    assert isinstance(obj, BulkWriteResponse), describe(response)
    assert obj.get_status() in JOB_RUNNING | {"COMPLETED"}, describe(response)
    return obj, response.get_response_json()


def wait_completed(sdk: Sdk, job_id: str) -> BulkWriteResponse:
    details, raw = poll(
        lambda: job_details(sdk, job_id), lambda d: d[0].get_status() == "COMPLETED"
    )
    assert details.get_id() == job_id
    assert isinstance(details.get_created_time(), dt.datetime)
    assert isinstance(details.get_created_by().get_id(), int)
    # The SDK is lenient here (it assumes local time without an offset); the contract is not.
    assert ISO_WITH_OFFSET.match(raw["created_time"]), raw["created_time"]
    assert is_record_id(raw["created_by"]["id"]) and is_record_id(raw["id"]), raw
    assert is_record_id(raw["resource"][0]["module"]["id"]), raw["resource"][0]["module"]
    for mapping in raw["resource"][0]["field_mappings"]:  # echoed with all seven keys (v2.1+)
        assert set(mapping) == {
            "api_name",
            "index",
            "format",
            "find_by",
            "module",
            "default_value",
            "parent_column_index",
        }
    return details


def check_details(
    details: BulkWriteResponse,
    *,
    operation: str,
    mapping: list[tuple[str, int]],
    counts: dict[str, int],
) -> None:
    assert details.get_operation() == operation
    (resource,) = details.get_resource()
    assert resource.get_status().get_value() == "COMPLETED"
    assert resource.get_type().get_value() == "data"
    assert resource.get_module().get_api_name() == "Leads"
    assert isinstance(resource.get_module().get_id(), int)
    echoed = {(fm.get_api_name(), fm.get_index()) for fm in resource.get_field_mappings()}
    assert echoed == set(mapping)
    file = resource.get_file()
    assert file.get_status().get_value() == "COMPLETED"
    got = {
        "added_count": file.get_added_count(),
        "updated_count": file.get_updated_count(),
        "skipped_count": file.get_skipped_count(),
        "total_count": file.get_total_count(),
    }
    assert got == counts


def download(sdk: Sdk, details: BulkWriteResponse) -> ResultFile:
    url = details.get_result().get_download_url()
    assert url.startswith(sdk.base_url + "/"), f"download_url must be absolute and ours: {url!r}"
    response = sdk.ops.download_bulk_write_result(url)
    assert response is not None and response.get_status_code() == 200, describe(response)
    obj = response.get_object()
    assert isinstance(obj, FileBodyWrapper), describe(response)
    stream = obj.get_file()
    # The SDK takes the name from Content-Disposition: attachment; filename="<job_id>.zip"
    assert stream.get_name() == f"{details.get_id()}.zip"
    target = sdk.tmp / stream.get_name()
    with target.open("wb") as f:
        for chunk in stream.get_stream():
            f.write(chunk)
    return read_result_zip(target.read_bytes())


def test_insert_then_upsert_by_id(sdk: Sdk, live_server: Any) -> None:
    # Start-up: the SDK looked up the current user and the org; it keys its token store on them.
    (stored,) = sdk.store.get_tokens()
    signature = stored.get_user_signature()
    assert signature is not None, "GET /crm/v8/users?type=CurrentUser or /crm/v8/org failed"
    assert signature.get_name().endswith(f":{live_server.zgid}")

    # 1. Insert 50 Leads, 5 of them bad, with explicit field mappings.
    rows = leads_rows(50, tag=uuid.uuid4().hex[:8])
    csv_path = write_csv(sdk.tmp / "leads_insert.csv", LEADS_HEADER, rows)
    file_id = upload(sdk, zip_one(csv_path, sdk.tmp / "leads_insert.zip"))
    with CallbackReceiver() as callbacks:
        job_id = created_job_id(
            create_job(
                sdk,
                operation="insert",
                module="Leads",
                file_id=file_id,
                mapping=LEADS_MAPPING,
                callback_url=callbacks.url,
            )
        )
        details = wait_completed(sdk, job_id)
        bad = sum(1 for r in rows if r.errors)
        assert bad == 5
        counts = {"added_count": 45, "updated_count": 0, "skipped_count": 5, "total_count": 50}
        check_details(details, operation="insert", mapping=LEADS_MAPPING, counts=counts)
        assert details.get_callback().get_url() == callbacks.url

        (call,) = callbacks.wait_for(1)
        assert call["content_type"].startswith("application/json")
        assert call["json"]["id"] == job_id
        assert call["json"]["status"] == "COMPLETED"
        assert call["json"]["resource"][0]["file"]["added_count"] == 45

    result = download(sdk, details)
    assert result.name == f"Leads-{csv_path.name}"
    record_ids = check_result(result, LEADS_HEADER, rows, [i for _, i in LEADS_MAPPING])
    added = [r for r in record_ids if r]
    assert len(added) == 45

    # 2. Upsert by id: change Company of every record just created.
    upsert_header = ["id", "Company"]
    upsert_rows = [
        Row([record_id, f"Renamed Co {n}"], status_if_ok="UPDATED", record_id=record_id)
        for n, record_id in enumerate(added)
    ]
    upsert_mapping = [("id", 0), ("Company", 1)]
    csv2 = write_csv(sdk.tmp / "leads_upsert.csv", upsert_header, upsert_rows)
    file_id2 = upload(sdk, zip_one(csv2, sdk.tmp / "leads_upsert.zip"))
    job2 = created_job_id(
        create_job(
            sdk,
            operation="upsert",
            module="Leads",
            file_id=file_id2,
            mapping=upsert_mapping,
            find_by="id",
        )
    )
    assert job2 != job_id
    details2 = wait_completed(sdk, job2)
    counts2 = {"added_count": 0, "updated_count": 45, "skipped_count": 0, "total_count": 45}
    check_details(details2, operation="upsert", mapping=upsert_mapping, counts=counts2)
    result2 = download(sdk, details2)
    assert result2.name == f"Leads-{csv2.name}"
    assert result2.header == ["id", "Company", "STATUS", "RECORD_ID", "ERRORS"]
    assert check_result(result2, upsert_header, upsert_rows, [0, 1]) == added


def test_errors_surface_as_api_exception(sdk: Sdk, live_server: Any) -> None:
    rows = leads_rows(40, tag=uuid.uuid4().hex[:8])
    csv_path = write_csv(sdk.tmp / "small.csv", LEADS_HEADER, rows)
    file_id = upload(sdk, zip_one(csv_path, sdk.tmp / "small.zip"))

    # Unknown module -> 400 MODULE_NOT_AVAILABLE
    response = create_job(
        sdk, operation="insert", module="NoSuchModule", file_id=file_id, mapping=LEADS_MAPPING
    )
    assert response is not None and response.get_status_code() == 400, describe(response)
    error = response.get_object()
    assert isinstance(error, APIException), describe(response)
    assert error.get_code().get_value() == "MODULE_NOT_AVAILABLE"
    assert error.get_status().get_value() == "error"

    # Unknown file id -> 400 INVALID_FILE_ID
    response = create_job(
        sdk, operation="insert", module="Leads", file_id="111111000000000123", mapping=LEADS_MAPPING
    )
    assert response is not None and response.get_status_code() == 400, describe(response)
    error = response.get_object()
    assert isinstance(error, APIException), describe(response)
    assert error.get_code().get_value() == "INVALID_FILE_ID"

    # Unknown job id -> 404 RESOURCE_NOT_FOUND
    response = sdk.ops.get_bulk_write_job_details("111111000000000999")
    assert response is not None and response.get_status_code() == 404, describe(response)
    error = response.get_object()
    assert isinstance(error, APIException), describe(response)
    assert error.get_code().get_value() == "RESOURCE_NOT_FOUND"

    # A token without the upload scope -> 401 OAUTH_SCOPE_MISMATCH
    read_only = live_server.make_token(["ZohoCRM.bulk.READ"])
    init_sdk(live_server.base_url, read_only, sdk.tmp / "sdk8-read-only", find_user=False)
    body = FileBodyWrapper()
    with (sdk.tmp / "small.zip").open("rb") as stream:
        body.set_file(StreamWrapper(name="small.zip", stream=stream))
        response = BulkWriteOperations().upload_file(body)
    assert response is not None and response.get_status_code() == 401, describe(response)
    error = response.get_object()
    assert isinstance(error, APIException), describe(response)
    assert error.get_code().get_value() == "OAUTH_SCOPE_MISMATCH"
