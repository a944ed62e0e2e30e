"""Zoho's official v2 Python SDK (`zohocrmsdk2-0`, import `zcrmsdk`) against a live bulkwrite.

The v2 SDK speaks API v2: `/crm/v2/upload`, `/crm/bulk/v2/write`, `module` as a plain string, and
ids (file id, job id) parsed as Python ints. It never calls users/org and never refreshes a bare
access token. Flow: zip upload -> insert -> result check; bare-CSV upload -> upsert by id; errors.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from zcrmsdk.src.com.zoho.api.authenticator import OAuthToken
from zcrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zcrmsdk.src.com.zoho.api.logger import Logger
from zcrmsdk.src.com.zoho.crm.api import HeaderMap, Initializer, SDKConfig, UserSignature
from zcrmsdk.src.com.zoho.crm.api.bulk_write import (
    APIException,
    BulkWriteOperations,
    BulkWriteResponse,
    FieldMapping,
    FileBodyWrapper,
    RequestWrapper,
    Resource,
    SuccessResponse,
    UploadFileHeader,
)
from zcrmsdk.src.com.zoho.crm.api.dc import DataCenter
from zcrmsdk.src.com.zoho.crm.api.util import APIResponse, Choice, StreamWrapper

from .helpers import (
    JOB_RUNNING,
    LEADS_HEADER,
    LEADS_MAPPING,
    ResultFile,
    Row,
    check_result,
    leads_rows,
    poll,
    read_result_zip,
    write_csv,
    zip_one,
)


def init_sdk(base_url: str, token: str, sdk_dir: Path) -> None:
    sdk_dir.mkdir(parents=True, exist_ok=True)
    Initializer.initialize(
        user=UserSignature("admin@example.com"),  # only names the local token-store row
        environment=DataCenter.Environment(
            base_url, f"{base_url}/oauth/v2/token", base_url, "bulkwrite"
        ),
        token=OAuthToken(access_token=token),
        store=FileStore(str(sdk_dir / "sdk_tokens.txt")),
        sdk_config=SDKConfig(connect_timeout=10, read_timeout=120),
        resource_path=str(sdk_dir),
        # The v2 default logger writes ./sdk_logs.log; log through the `SDKLogger` logger only.
        logger=Logger.get_instance(Logger.Levels.NOTSET, None),
    )


@dataclass
class Sdk:
    ops: BulkWriteOperations
    base_url: str
    zgid: str
    tmp: Path


@pytest.fixture
def sdk(live_server: Any, tmp_path: Path) -> Sdk:
    init_sdk(live_server.base_url, live_server.token, tmp_path / "sdk2")
    return Sdk(BulkWriteOperations(), live_server.base_url, live_server.zgid, tmp_path)


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
    return f"HTTP {response.get_status_code()} {type(obj).__name__}"


def upload(sdk: Sdk, path: Path) -> str:
    with path.open("rb") as stream:
        body = FileBodyWrapper()
        body.set_file(StreamWrapper(name=path.name, stream=stream))
        headers = HeaderMap()
        headers.add(UploadFileHeader.feature, "bulk-write")
        headers.add(UploadFileHeader.x_crm_org, sdk.zgid)
        response = sdk.ops.upload_file(body, headers)
    assert response is not None and response.get_status_code() == 200, describe(response)
    obj = response.get_object()
    assert isinstance(obj, SuccessResponse), describe(response)
    assert obj.get_code().get_value() == "FILE_UPLOAD_SUCCESS"
    file_id = obj.get_details()["file_id"]
    assert isinstance(file_id, int), "the SDK parses file_id as a Long"
    return str(file_id)


def create_job(
    sdk: Sdk,
    *,
    operation: str,
    module: str,
    file_id: str,
    mapping: list[tuple[str, int]],
    find_by: str | None = None,
) -> APIResponse:
    resource = Resource()
    resource.set_type(Choice("data"))
    resource.set_module(module)  # v2: a plain string
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
    request.set_resource([resource])
    return sdk.ops.create_bulk_write_job(request)


def created_job_id(response: APIResponse | None) -> int:
    assert response is not None and response.get_status_code() == 201, describe(response)
    obj = response.get_object()
    assert isinstance(obj, SuccessResponse), describe(response)
    assert obj.get_code().get_value() == "SUCCESS"
    job_id = obj.get_details()["id"]
    assert isinstance(job_id, int) and 18 <= len(str(job_id)) <= 19, job_id  # v2: a Long
    return job_id


def wait_completed(sdk: Sdk, job_id: int) -> BulkWriteResponse:
    def fetch() -> BulkWriteResponse:
        response = sdk.ops.get_bulk_write_job_details(job_id)  # v2 wants an int
        assert response is not None and response.get_status_code() == 200, describe(response)
        obj = response.get_object()
        assert isinstance(obj, BulkWriteResponse), describe(response)
        assert obj.get_status() in JOB_RUNNING | {"COMPLETED"}, obj.get_status()
        return obj

    details = poll(fetch, lambda d: d.get_status() == "COMPLETED")
    assert details.get_id() == job_id
    assert isinstance(details.get_created_time(), dt.datetime)
    return details


def check_counts(details: BulkWriteResponse, **counts: int) -> None:
    (resource,) = details.get_resource()
    assert resource.get_module() == "Leads", "v2 answers get module back as a plain string"
    assert resource.get_status().get_value() == "COMPLETED"
    file = resource.get_file()
    got = {
        "added_count": file.get_added_count(),
        "updated_count": file.get_updated_count(),
        "skipped_count": file.get_skipped_count(),
        "total_count": file.get_total_count(),
    }
    assert got == counts


def download(sdk: Sdk, details: BulkWriteResponse) -> ResultFile:
    url = details.get_result().get_download_url()
    assert url.startswith(sdk.base_url + "/"), url
    response = sdk.ops.download_bulk_write_result(url)
    assert response is not None and response.get_status_code() == 200, describe(response)
    obj = response.get_object()
    assert isinstance(obj, FileBodyWrapper), describe(response)
    stream = obj.get_file()
    assert stream.get_name() == f"{details.get_id()}.zip"
    return read_result_zip(b"".join(stream.get_stream()))


def test_insert_then_upsert_by_id(sdk: Sdk) -> None:
    rows = leads_rows(40, tag=uuid.uuid4().hex[:8])
    csv_path = write_csv(sdk.tmp / "v2_leads.csv", LEADS_HEADER, rows)
    file_id = upload(sdk, zip_one(csv_path, sdk.tmp / "v2_leads.zip"))
    job_id = created_job_id(
        create_job(sdk, operation="insert", module="Leads", file_id=file_id, mapping=LEADS_MAPPING)
    )
    details = wait_completed(sdk, job_id)
    assert details.get_operation() == "insert"
    check_counts(details, added_count=35, updated_count=0, skipped_count=5, total_count=40)
    result = download(sdk, details)
    assert result.name == f"Leads-{csv_path.name}"
    added = [
        r for r in check_result(result, LEADS_HEADER, rows, [i for _, i in LEADS_MAPPING]) if r
    ]
    assert len(added) == 35

    # Upsert by id, uploading a bare CSV (accepted besides a zip: contract section 4).
    upsert_rows = [
        Row([rid, f"v2 Renamed {n}"], status_if_ok="UPDATED", record_id=rid)
        for n, rid in enumerate(added)
    ]
    csv2 = write_csv(sdk.tmp / "v2_upsert.csv", ["id", "Company"], upsert_rows)
    job2 = created_job_id(
        create_job(
            sdk,
            operation="upsert",
            module="Leads",
            file_id=upload(sdk, csv2),
            mapping=[("id", 0), ("Company", 1)],
            find_by="id",
        )
    )
    details2 = wait_completed(sdk, job2)
    check_counts(details2, added_count=0, updated_count=35, skipped_count=0, total_count=35)
    result2 = download(sdk, details2)
    assert result2.name == f"Leads-{csv2.name}"
    assert check_result(result2, ["id", "Company"], upsert_rows, [0, 1]) == added


def test_errors_surface_as_api_exception(sdk: Sdk, live_server: Any) -> None:
    csv_path = write_csv(sdk.tmp / "small.csv", LEADS_HEADER, leads_rows(40, uuid.uuid4().hex[:8]))
    file_id = upload(sdk, zip_one(csv_path, sdk.tmp / "small.zip"))

    response = create_job(
        sdk, operation="insert", module="NoSuchModule", file_id=file_id, mapping=LEADS_MAPPING
    )
    assert response is not None and response.get_status_code() == 400, describe(response)
    error = response.get_object()
    assert isinstance(error, APIException), describe(response)
    assert error.get_code().get_value() == "MODULE_NOT_AVAILABLE"
    assert error.get_status().get_value() == "error"

    response = sdk.ops.get_bulk_write_job_details(111111000000000999)
    assert response is not None and response.get_status_code() == 404, describe(response)
    error = response.get_object()
    assert isinstance(error, APIException), describe(response)
    assert error.get_code().get_value() == "RESOURCE_NOT_FOUND"

    # Job details with a token that may only upload: 401 OAUTH_SCOPE_MISMATCH. (The v2 SDK knows
    # this code only for job details; on upload/create it would mis-parse it as a SuccessResponse
    # unless the error body carries an extra APIException key such as "http_status".)
    init_sdk(
        live_server.base_url,
        live_server.make_token(["ZohoFiles.files.ALL"]),
        sdk.tmp / "sdk2-upload-only",
    )
    response = BulkWriteOperations().get_bulk_write_job_details(111111000000000999)
    assert response is not None and response.get_status_code() == 401, describe(response)
    error = response.get_object()
    assert isinstance(error, APIException), describe(response)
    assert error.get_code().get_value() == "OAUTH_SCOPE_MISMATCH"
