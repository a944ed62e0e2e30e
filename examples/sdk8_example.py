"""Import a CSV into bulkwrite with Zoho's own v8 Python SDK (pip install zohocrmsdk8-0).

    BULKWRITE_URL=http://127.0.0.1:8123 BULKWRITE_TOKEN=<access token> \\
        python examples/sdk8_example.py leads.csv Leads

Columns map by header name (a header equal to a field API name, e.g. Last_Name, Company).
Optional: BULKWRITE_ORG (the org's zgid, sent as X-CRM-ORG), BULKWRITE_OUT (where to save the
result zip, default: the current directory). The only bulkwrite-specific line is the Environment.
"""

import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from zohocrmsdk.src.com.zoho.api.authenticator import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zohocrmsdk.src.com.zoho.crm.api import HeaderMap, Initializer
from zohocrmsdk.src.com.zoho.crm.api.bulk_write import (
    APIException,
    BulkWriteOperations,
    FileBodyWrapper,
    RequestWrapper,
    Resource,
    UploadFileHeader,
)
from zohocrmsdk.src.com.zoho.crm.api.dc import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule
from zohocrmsdk.src.com.zoho.crm.api.util import Choice, StreamWrapper


def answer(response, expected_status):
    """The parsed body of a successful call; otherwise print the error and exit."""
    body = response.get_object() if response is not None else None
    if (
        response is not None
        and response.get_status_code() == expected_status
        and body is not None
        and not isinstance(body, APIException)
    ):
        return body
    if isinstance(body, APIException):
        sys.exit(
            f"error {body.get_code().get_value()}: {body.get_message().get_value()} "
            f"{body.get_details() or ''}"
        )
    sys.exit(f"unexpected answer: {response.get_status_code() if response else 'none'}")


def main(csv_path: Path, module: str) -> None:
    base_url = os.environ["BULKWRITE_URL"].rstrip("/")
    out_dir = Path(os.environ.get("BULKWRITE_OUT", "."))
    with tempfile.TemporaryDirectory(prefix="zoho-sdk-") as sdk_dir:  # the SDK's token store
        Initializer.initialize(
            # API, accounts and "content" (upload) hosts all point at bulkwrite.
            environment=DataCenter.Environment(base_url, f"{base_url}/oauth/v2/token", base_url),
            token=OAuthToken(access_token=os.environ["BULKWRITE_TOKEN"]),
            store=FileStore(os.path.join(sdk_dir, "sdk_tokens.csv")),
            resource_path=sdk_dir,
        )
        ops = BulkWriteOperations()

        # 1. Upload the CSV, zipped.
        zip_path = Path(sdk_dir) / f"{csv_path.stem}.zip"
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(csv_path, arcname=csv_path.name)
        headers = HeaderMap()
        headers.add(UploadFileHeader.feature, "bulk-write")
        if os.environ.get("BULKWRITE_ORG"):
            headers.add(UploadFileHeader.x_crm_org, os.environ["BULKWRITE_ORG"])
        with zip_path.open("rb") as stream:
            upload = FileBodyWrapper()
            upload.set_file(StreamWrapper(name=zip_path.name, stream=stream))
            file_id = str(answer(ops.upload_file(upload, headers), 200).get_details()["file_id"])

        # 2. Create an insert job.
        resource = Resource()
        resource.set_type(Choice("data"))
        module_ref = MinifiedModule()
        module_ref.set_api_name(module)
        resource.set_module(module_ref)
        resource.set_file_id(file_id)
        request = RequestWrapper()
        request.set_operation(Choice("insert"))
        request.set_resource([resource])
        job_id = str(answer(ops.create_bulk_write_job(request), 201).get_details()["id"])
        print(f"job {job_id} created")

        # 3. Wait for it to finish.
        deadline = time.monotonic() + float(os.environ.get("BULKWRITE_TIMEOUT", "3600"))
        while True:
            job = answer(ops.get_bulk_write_job_details(job_id), 200)
            if job.get_status() in ("COMPLETED", "FAILED") or time.monotonic() > deadline:
                break
            time.sleep(2)
        file = job.get_resource()[0].get_file()
        print(
            f"job {job_id}: {job.get_status()} - added {file.get_added_count()}, "
            f"updated {file.get_updated_count()}, skipped {file.get_skipped_count()}, "
            f"total {file.get_total_count()}"
        )
        if job.get_result() is None:
            sys.exit("no result file")

        # 4. Download the result zip (one CSV: your first columns + STATUS, RECORD_ID, ERRORS).
        result = answer(ops.download_bulk_write_result(job.get_result().get_download_url()), 200)
        target = out_dir / result.get_file().get_name()
        with target.open("wb") as f:
            for chunk in result.get_file().get_stream():
                f.write(chunk)
        print(f"result: {target.resolve()}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: sdk8_example.py CSV_PATH MODULE   (env: BULKWRITE_URL, BULKWRITE_TOKEN)")
    main(Path(sys.argv[1]), sys.argv[2])
