"""Upload input (contract section 4): what is accepted, and every way a file is refused."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.integration.helpers import (
    LEADS_CSV,
    UPLOAD,
    assert_error,
    assert_id,
    assert_iso_time,
    client,
    create,
    create_ok,
    job_body,
    multipart,
    unique,
    upload,
    wait_done,
    zip_of,
)
from tests.server import LiveServer
from tests.sheets import write_ods, write_xlsx

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _assert_uploaded(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "message", "details"}
    assert (body["status"], body["code"], body["message"]) == (
        "success",
        "FILE_UPLOAD_SUCCESS",
        "file uploaded.",
    )
    assert set(body["details"]) == {"file_id", "created_time"}
    assert_iso_time(body["details"]["created_time"])
    return assert_id(body["details"]["file_id"])


# --- accepted ------------------------------------------------------------------------------


def test_plain_csv_is_accepted(shared_server: LiveServer) -> None:
    file_id = _assert_uploaded(upload(shared_server, LEADS_CSV, "leads.csv"))
    create_ok(shared_server, job_body(file_id))


def test_zip_with_one_csv_is_accepted(shared_server: LiveServer) -> None:
    content = zip_of({"Leads.csv": LEADS_CSV})
    file_id = _assert_uploaded(upload(shared_server, content, "Leads.zip"))
    create_ok(shared_server, job_body(file_id))


def test_zip_with_one_csv_in_a_folder_and_macos_metadata_is_accepted(
    shared_server: LiveServer,
) -> None:
    content = zip_of(
        {
            "export/Leads.csv": LEADS_CSV,
            "__MACOSX/export/._Leads.csv": b"\x00\x05",
            "export/readme.txt": b"not a csv",
        }
    )
    _assert_uploaded(upload(shared_server, content, "export.zip"))


def test_part_without_content_type_as_the_sdk_sends_it(shared_server: LiveServer) -> None:
    body, headers = multipart(zip_of({"Leads.csv": LEADS_CSV}), "Leads.zip")
    with client(shared_server) as http:
        response = http.post(
            UPLOAD,
            content=body,
            headers={**headers, "feature": "bulk-write", "X-CRM-ORG": shared_server.zgid},
        )
    create_ok(shared_server, job_body(_assert_uploaded(response)))


def test_upload_ids_are_distinct(shared_server: LiveServer) -> None:
    first = _assert_uploaded(upload(shared_server, LEADS_CSV))
    second = _assert_uploaded(upload(shared_server, LEADS_CSV))
    assert first != second


@pytest.mark.parametrize("version", ["v2", "v2.1", "v3", "v7", "v8"])
def test_every_version_uploads(shared_server: LiveServer, version: str) -> None:
    with client(shared_server) as http:
        response = http.post(
            f"/crm/{version}/upload",
            files={"file": ("a.csv", LEADS_CSV)},
            headers={"feature": "bulk-write"},
        )
    _assert_uploaded(response)


def test_feature_and_org_headers_are_optional(shared_server: LiveServer) -> None:
    with client(shared_server) as http:
        response = http.post(UPLOAD, files={"file": ("a.csv", LEADS_CSV)})
    _assert_uploaded(response)


def test_right_org_header_is_accepted(shared_server: LiveServer) -> None:
    _assert_uploaded(upload(shared_server, LEADS_CSV, headers={"X-CRM-ORG": shared_server.zgid}))


# --- refused -------------------------------------------------------------------------------


def test_png_is_refused(shared_server: LiveServer) -> None:
    assert_error(upload(shared_server, PNG, "picture.csv"), 400, "INVALID_FILE_FORMAT")


def test_zip_with_two_csvs_is_taken_for_a_job_of_several_resources(
    shared_server: LiveServer,
) -> None:
    """Contract section 12: the zip of a parent and its children holds several CSVs; a job of
    one resource over it is refused, since a CSV of the zip would be left unread."""
    content = zip_of({"a.csv": LEADS_CSV, "b.csv": LEADS_CSV})
    response = upload(shared_server, content, "two.zip")
    assert response.status_code == 200, response.text
    file_id = response.json()["details"]["file_id"]
    answer = create(shared_server, job_body(file_id))
    assert_error(answer, 400, "INVALID_DATA")
    assert answer.json()["details"]["json_path"].startswith("$.resource[0].file_names")


def test_zip_with_two_csvs_of_one_name_is_refused(shared_server: LiveServer) -> None:
    content = zip_of({"a/x.csv": LEADS_CSV, "b/x.csv": LEADS_CSV})
    assert_error(upload(shared_server, content, "two.zip"), 400, "INVALID_FILE_FORMAT")


@pytest.mark.parametrize(
    "entry", ["../x.csv", "a/../../x.csv", "/etc/x.csv", "C:/x.csv", "..\\x.csv"]
)
def test_zip_with_unsafe_entry_name_is_refused(shared_server: LiveServer, entry: str) -> None:
    content = zip_of({entry: LEADS_CSV})
    assert_error(upload(shared_server, content, "evil.zip"), 400, "INVALID_FILE_FORMAT")


def test_zip_without_csv_is_refused(shared_server: LiveServer) -> None:
    content = zip_of({"notes.pdf": b"%PDF-1.7", "logo.png": PNG})
    assert_error(upload(shared_server, content, "notes.zip"), 400, "INVALID_FILE_FORMAT")


def test_corrupt_zip_is_refused(shared_server: LiveServer) -> None:
    content = zip_of({"Leads.csv": LEADS_CSV * 50})
    broken = content[:40] + b"\xff" * 200 + content[240:]
    assert_error(upload(shared_server, broken, "broken.zip"), 400, "INVALID_FILE_FORMAT")


def test_encrypted_zip_entry_is_refused(shared_server: LiveServer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Leads.csv", LEADS_CSV)
    raw = bytearray(buffer.getvalue())
    # Set the "encrypted" flag bit in the local and the central directory headers.
    for magic, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.index(magic) + offset
        raw[at] |= 0x1
    assert_error(upload(shared_server, bytes(raw), "locked.zip"), 400, "INVALID_FILE_FORMAT")


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file_is_refused(shared_server: LiveServer, content: bytes) -> None:
    assert_error(upload(shared_server, content, "empty.csv"), 400, "INVALID_FILE_FORMAT")


def test_missing_file_part_is_refused(shared_server: LiveServer) -> None:
    with client(shared_server) as http:
        response = http.post(
            UPLOAD, files={"upload": ("a.csv", LEADS_CSV)}, headers={"feature": "bulk-write"}
        )
    body = assert_error(response, 400, "MANDATORY_NOT_FOUND")
    assert body["details"]["api_name"] == "file"


def test_body_not_multipart_is_refused(shared_server: LiveServer) -> None:
    with client(shared_server) as http:
        response = http.post(
            UPLOAD, content=LEADS_CSV, headers={"feature": "bulk-write", "Content-Type": "text/csv"}
        )
    assert_error(response, 400, "INVALID_FILE_FORMAT")


def test_other_feature_is_refused(shared_server: LiveServer) -> None:
    response = upload(shared_server, LEADS_CSV, headers={"feature": "other"})
    assert_error(response, 400, "NOT_SUPPORTED_FEATURE", {}, "Feature is not supported")


def test_wrong_org_header_is_refused(shared_server: LiveServer) -> None:
    other = shared_server.new_org(unique("Header Org "))
    for zgid in (other.org.zgid, "123"):
        response = upload(shared_server, LEADS_CSV, headers={"X-CRM-ORG": zgid})
        body = assert_error(response, 400, "INVALID_DATA")
        assert body["details"]["api_name"] == "X-CRM-ORG"


def _post_multipart(server: LiveServer, body: bytes, boundary: str = "b0undary") -> httpx.Response:
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "feature": "bulk-write",
    }
    with client(server) as http:
        return http.post(UPLOAD, content=body, headers=headers)


def _part(name: str, content: bytes, filename: str | None = None) -> bytes:
    file = f'; filename="{filename}"' if filename else ""
    head = f'--b0undary\r\nContent-Disposition: form-data; name="{name}"{file}\r\n\r\n'
    return head.encode() + content + b"\r\n"


def _parts_left(server: LiveServer) -> list[str]:
    """Upload parts left in the file store's temp directory."""
    return [p.name for p in server.services.files.tmp_dir.glob(".part-*")]


def test_a_second_file_part_is_refused(shared_server: LiveServer) -> None:
    body = (
        _part("file", LEADS_CSV, "a.csv") + _part("file", LEADS_CSV, "b.csv") + b"--b0undary--\r\n"
    )
    body = assert_error(_post_multipart(shared_server, body), 400, "INVALID_FILE_FORMAT")
    assert "more than one part named file" in body["message"]
    assert _parts_left(shared_server) == []


def test_too_many_parts_are_refused(shared_server: LiveServer) -> None:
    fields = b"".join(_part(f"f{i}", b"x") for i in range(25))
    body = fields + _part("file", LEADS_CSV, "a.csv") + b"--b0undary--\r\n"
    body = assert_error(_post_multipart(shared_server, body), 400, "INVALID_FILE_FORMAT")
    assert "more than 20 parts" in body["message"]
    assert _parts_left(shared_server) == []


def test_a_body_cut_before_its_closing_boundary_is_refused(shared_server: LiveServer) -> None:
    body = _part("file", LEADS_CSV, "a.csv")[:-2]  # no closing boundary: the file may go on
    body = assert_error(_post_multipart(shared_server, body), 400, "INVALID_FILE_FORMAT")
    assert "before its closing boundary" in body["message"]
    assert _parts_left(shared_server) == []


def test_other_fields_beside_the_file_are_ignored(shared_server: LiveServer) -> None:
    body = _part("note", b"hello") + _part("file", LEADS_CSV, "Leads.csv") + b"--b0undary--\r\n"
    response = _post_multipart(shared_server, body)
    assert response.status_code == 200, response.text
    assert response.json()["code"] == "FILE_UPLOAD_SUCCESS"
    assert _parts_left(shared_server) == []


# --- bulkwrite's extensions: spreadsheets, gzip, zips of TSV ---------------------------------


def _sheet_bytes(kind: str, tmp_path: Path, tag: str) -> bytes:
    rows = [
        ["Last Name", "Company", "E-mail", "Annual Revenue"],
        [f"Doe{tag}", "Acme", f"doe.{tag}@example.com", 1500000.0],
        [f"Roe{tag}", "Initech", f"roe.{tag}@example.com", 2.5],
    ]
    if kind == "xlsx":
        return write_xlsx(tmp_path / "leads.xlsx", rows).read_bytes()
    if kind == "ods":
        return write_ods(tmp_path / "leads.ods", rows).read_bytes()
    text = "".join("\t".join(str(v) for v in row) + "\n" for row in rows).encode()
    return gzip.compress(text) if kind == "gz" else zip_of({"leads.tsv": text})


@pytest.mark.parametrize(
    ("kind", "name", "stored"),
    [("xlsx", "leads.xlsx", "leads.csv"), ("ods", "leads.ods", "leads.csv"),
     ("gz", "leads.tsv.gz", "leads.csv"), ("zip-tsv", "leads.zip", "leads.tsv")],
)  # fmt: skip
def test_spreadsheets_gzip_and_zipped_tsv_are_accepted(
    shared_server: LiveServer, tmp_path: Path, kind: str, name: str, stored: str
) -> None:
    tag = unique("x")
    file_id = _assert_uploaded(upload(shared_server, _sheet_bytes(kind, tmp_path, tag), name))
    body = job_body(file_id)
    del body["resource"][0]["field_mappings"]  # mapped by header: labels, loose spellings
    done = wait_done(shared_server, create_ok(shared_server, body))
    file = done["resource"][0]["file"]
    assert (file["name"], file["added_count"], file["skipped_count"]) == (stored, 2, 0)
    assert done["resource"][0]["unmapped_columns"] == []
    with client(shared_server) as http:
        result = http.get(done["result"]["download_url"])
        with zipfile.ZipFile(io.BytesIO(result.content)) as archive:
            lines = archive.read(archive.namelist()[0]).decode().splitlines()[1:]
        ids = [line.split(",")[-2] for line in lines]
        records = [http.get(f"/crm/v8/Leads/{i}").json()["data"][0] for i in ids]
    assert [(r["Last_Name"], r["Email"], r["Annual_Revenue"]) for r in records] == [
        (f"Doe{tag}", f"doe.{tag}@example.com", 1500000),
        (f"Roe{tag}", f"roe.{tag}@example.com", 2.5),
    ]
