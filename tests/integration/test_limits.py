"""Settings-dependent limits: upload size (and zip bombs), columns, jobs in flight per org.

One server for the module, with small limits and no worker, so a created job stays ADDED
(open) and counts against ``max_jobs_in_flight``.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
from collections.abc import Iterator

import pytest

from tests.integration.helpers import (
    LEADS_CSV,
    RES,
    UPLOAD,
    assert_at,
    assert_error,
    client,
    create,
    create_ok,
    details,
    download_path,
    job_body,
    multipart,
    unique,
    upload,
    upload_ok,
    wait_done,
)
from tests.server import LiveServer, running

MAX_UPLOAD = 10_000_000
BOMB_SIZE = 200 * 1024 * 1024
MB = 1024 * 1024


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running(
        tmp_path_factory.mktemp("limits") / "data",
        "--no-worker",
        max_upload_bytes=str(MAX_UPLOAD),
        max_jobs_in_flight="1",
        max_columns="5",
    ) as server:
        yield server


def _stored_files(server: LiveServer) -> set[str]:
    """Everything under the server's files dir except result files."""
    files = server.services.settings.files_dir
    return {
        str(p.relative_to(files))
        for p in files.rglob("*")
        if p.is_file() and "results" not in p.relative_to(files).parts
    }


def _zip_of_zeros(size: int) -> bytes:
    """A zip holding one CSV of ``size`` bytes of ``0`` digits, built without holding them."""
    buffer = io.BytesIO()
    block = b"0" * MB
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("bomb.csv", "w") as entry,
    ):
        entry.write(b"Last_Name,Company\n")
        for _ in range(size // MB):
            entry.write(block)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    content = _zip_of_zeros(BOMB_SIZE)
    assert len(content) < MAX_UPLOAD // 10  # it is small on the wire
    return content


def _lie_about_size(content: bytes, declared: int) -> bytes:
    """The same zip, its local and central headers claiming the entry inflates to ``declared``."""
    raw = bytearray(content)
    local = raw.index(b"PK\x03\x04")
    struct.pack_into("<I", raw, local + 22, declared)
    central = raw.index(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, declared)
    return bytes(raw)


# --- FILE_TOO_LARGE ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [MAX_UPLOAD + 1, 3 * MAX_UPLOAD])
def test_csv_over_the_size_limit(limited: LiveServer, size: int) -> None:
    before = _stored_files(limited)
    content = b"Last_Name,Company\n" + b"x" * (size - 18)
    assert len(content) == size
    assert_error(upload(limited, content, "big.csv"), 413, "FILE_TOO_LARGE")
    assert _stored_files(limited) == before


def test_chunked_upload_over_the_size_limit(limited: LiveServer) -> None:
    # No Content-Length: the server cannot refuse early and must stop while storing.
    before = _stored_files(limited)
    body, headers = multipart(b"Last_Name,Company\n" + b"x" * (MAX_UPLOAD + MB), "big.csv")

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), MB):
            yield body[start : start + MB]

    with client(limited) as http:
        response = http.post(UPLOAD, content=chunks(), headers={**headers, "feature": "bulk-write"})
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "FILE_TOO_LARGE")
    assert _stored_files(limited) == before


def test_csv_at_the_size_limit_is_accepted(limited: LiveServer) -> None:
    content = b"Last_Name,Company\n" + b"x,y\n" * ((MAX_UPLOAD - 18) // 4)
    assert len(content) <= MAX_UPLOAD
    upload_ok(limited, content, "fits.csv")


def test_zip_bomb_is_refused_and_leaves_nothing(limited: LiveServer, bomb: bytes) -> None:
    before = _stored_files(limited)
    assert_error(upload(limited, bomb, "bomb.zip"), 413, "FILE_TOO_LARGE")
    assert _stored_files(limited) == before


def test_zip_bomb_lying_about_its_size_is_refused(limited: LiveServer, bomb: bytes) -> None:
    before = _stored_files(limited)
    response = upload(limited, _lie_about_size(bomb, 1000), "liar.zip")
    # The entry cannot inflate past what it declares; the mismatch makes the zip corrupt.
    assert_error(response, 400, "INVALID_FILE_FORMAT")
    assert _stored_files(limited) == before


# --- HEADER_LIMIT_EXCEEDED -----------------------------------------------------------------


def test_file_with_more_columns_than_allowed(limited: LiveServer) -> None:
    content = b"Last_Name,Company,Email,City,State,Country\nDoe,Acme,d@example.com,A,B,C\n"
    file_id = upload_ok(limited, content, "wide.csv")
    assert_error(create(limited, job_body(file_id)), 400, "HEADER_LIMIT_EXCEEDED")


def test_more_mappings_than_allowed(limited: LiveServer) -> None:
    file_id = upload_ok(limited, LEADS_CSV, "leads.csv")
    mappings = [
        {"api_name": "Last_Name", "index": 0},
        {"api_name": "Company", "index": 1},
        {"api_name": "Email", "index": 2},
    ]
    mappings += [
        {"api_name": name, "default_value": {"value": "x"}} for name in ("City", "State", "Country")
    ]
    assert_at(
        create(limited, job_body(file_id, mappings=mappings)),
        "HEADER_LIMIT_EXCEEDED",
        "field_mappings",
        f"{RES}.field_mappings",
    )


# --- LIMIT_EXCEEDED ------------------------------------------------------------------------


def test_jobs_in_flight_per_org(limited: LiveServer) -> None:
    org = limited.new_org(unique("Busy Org "))
    file_id = upload_ok(limited, LEADS_CSV, token=org.token)
    first = create_ok(limited, job_body(file_id), token=org.token)
    assert_error(create(limited, job_body(file_id), token=org.token), 400, "LIMIT_EXCEEDED")

    # The open job is ADDED: resource INPROGRESS/ADDED, file INPROGRESS, no result yet.
    document = details(limited, first, token=org.token).json()
    assert document["status"] == "ADDED"
    resource = document["resource"][0]
    assert (resource["status"], resource["code"]) == ("INPROGRESS", "ADDED")
    assert resource["file"]["status"] == "INPROGRESS"
    assert "result" not in document
    with client(limited, org.token) as http:
        response = http.get(download_path(org.org.zgid, first))
    assert_error(response, 404, "RESOURCE_NOT_FOUND")

    # The limit is per org: another org still creates its job.
    other = limited.new_org(unique("Idle Org "))
    other_file = upload_ok(limited, LEADS_CSV, token=other.token)
    create_ok(limited, job_body(other_file), token=other.token)


# --- an expired result ---------------------------------------------------------------------


def test_expired_result_is_not_found(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Results live result_ttl_days; with a TTL of about a millisecond the result expires as
    # soon as the clock (stored times have whole seconds) moves past the job's end.
    with running(tmp_path_factory.mktemp("ttl") / "data", result_ttl_days="1e-8") as server:
        job_id = create_ok(server, job_body(upload_ok(server)))
        document = wait_done(server, job_id)
        assert document["status"] == "COMPLETED"
        deadline = time.monotonic() + 10
        with client(server) as http:
            while (response := http.get(document["result"]["download_url"])).status_code == 200:
                assert time.monotonic() < deadline, "the result never expired"
                time.sleep(0.1)  # polling the API as a client does
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
