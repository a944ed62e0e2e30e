"""Idempotency keys over real HTTP (beyond-zoho section 6): repeats, other bodies, other orgs,
bad keys, concurrent duplicates, and a server SIGKILLed mid-request and after its commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkwrite.files.partfile import is_part
from tests.integration.helpers import (
    LEADS_CSV,
    UPLOAD,
    WRITE,
    assert_at,
    assert_id,
    auth,
    client,
    job_body,
    multipart,
    upload_ok,
    wait_done,
)
from tests.server import LiveServer, running

KEY = "Idempotency-Key"


def create_keyed(
    server: LiveServer, body: Any, key: str, token: str | None = None
) -> httpx.Response:
    with client(server, token) as http:
        return http.post(WRITE, json=body, headers={KEY: key})


def upload_keyed(
    server: LiveServer, content: bytes, key: str, name: str = "data.csv", token: str | None = None
) -> httpx.Response:
    with client(server, token) as http:
        return http.post(
            UPLOAD, files={"file": (name, content)}, headers={"feature": "bulk-write", KEY: key}
        )


def jobs_in_store(server: LiveServer) -> int:
    with server.services.store.transaction(write=False) as tx:
        row = tx.conn.execute("SELECT count(*) FROM jobs", {}).fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def test_a_repeated_create_answers_as_the_first(live_server: LiveServer) -> None:
    body = job_body(upload_ok(live_server))
    first = create_keyed(live_server, body, "create-1")
    assert first.status_code == 201, first.text
    again = create_keyed(live_server, body, "create-1")
    assert (again.status_code, again.json()) == (201, first.json())
    assert jobs_in_store(live_server) == 1
    assert wait_done(live_server, first.json()["details"]["id"])["status"] == "COMPLETED"
    after = create_keyed(live_server, body, "create-1")  # also once the job ended
    assert (after.status_code, after.json()) == (201, first.json())
    assert jobs_in_store(live_server) == 1


def test_a_repeated_upload_answers_as_the_first(live_server: LiveServer) -> None:
    first = upload_keyed(live_server, LEADS_CSV, "upload-1")
    assert first.status_code == 200, first.text
    again = upload_keyed(live_server, LEADS_CSV, "upload-1")  # another multipart boundary
    assert (again.status_code, again.json()) == (200, first.json())
    other = upload_keyed(live_server, LEADS_CSV + b"Poe,Hooli,\n", "upload-1")
    assert_at(other, "INVALID_DATA", KEY, KEY)
    renamed = upload_keyed(live_server, LEADS_CSV, "upload-1", name="other.csv")
    assert_at(renamed, "INVALID_DATA", KEY, KEY)
    # upload and create keep keys apart: the same key on a create is its own
    created = create_keyed(live_server, job_body(first.json()["details"]["file_id"]), "upload-1")
    assert created.status_code == 201, created.text


def test_the_same_key_with_another_body_is_refused(live_server: LiveServer) -> None:
    file_id = upload_ok(live_server)
    assert create_keyed(live_server, job_body(file_id), "k").status_code == 201
    refused = create_keyed(live_server, job_body(file_id, ignore_empty=True), "k")
    assert_at(refused, "INVALID_DATA", KEY, KEY)
    assert jobs_in_store(live_server) == 1


def test_another_orgs_key_is_independent(live_server: LiveServer) -> None:
    first = create_keyed(live_server, job_body(upload_ok(live_server)), "shared-key")
    other = live_server.new_org("Keyed Org")
    theirs = create_keyed(
        live_server, job_body(upload_ok(live_server, token=other.token)), "shared-key", other.token
    )
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["details"]["id"] != first.json()["details"]["id"]
    assert jobs_in_store(live_server) == 2


@pytest.mark.parametrize(
    "key",
    ["x" * 256, "tab\tinside", "caf\u00e9", ""],
    ids=["256-chars", "control-char", "not-ascii", "empty"],
)
def test_a_bad_key_is_refused(shared_server: LiveServer, key: str) -> None:
    file_id = upload_ok(shared_server)
    with client(shared_server) as http:
        headers = [(KEY.encode(), key.encode("latin-1"))]
        created = http.post(WRITE, json=job_body(file_id), headers=headers)
        uploaded = http.post(
            UPLOAD, files={"file": ("a.csv", LEADS_CSV)},
            headers=[(b"feature", b"bulk-write"), *headers],
        )  # fmt: skip
    assert_at(created, "INVALID_DATA", KEY, KEY)
    assert_at(uploaded, "INVALID_DATA", KEY, KEY)


def test_a_key_of_255_printable_characters_is_taken(shared_server: LiveServer) -> None:
    key = "".join(chr(33 + n % 94) for n in range(255))  # every printable but the space
    response = create_keyed(shared_server, job_body(upload_ok(shared_server)), key)
    assert response.status_code == 201, response.text


def test_twenty_concurrent_duplicates_make_one_job(live_server: LiveServer) -> None:
    body = job_body(upload_ok(live_server))
    start = threading.Barrier(20)

    def send(_: int) -> tuple[int, Any]:
        with httpx.Client(
            base_url=live_server.base_url, headers=auth(live_server.token), timeout=120
        ) as http:
            start.wait()
            response = http.post(WRITE, json=body, headers={KEY: "together"})
        return response.status_code, response.json()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(send, range(20)))
    assert answers[0][0] == 201, answers[0]
    assert all(answer == answers[0] for answer in answers), answers
    assert jobs_in_store(live_server) == 1


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with running(tmp_path / "data") as made:
        yield made


def test_a_create_committed_before_a_sigkill_answers_after_it(server: LiveServer) -> None:
    body = job_body(upload_ok(server))
    first = create_keyed(server, body, "before-kill")
    assert first.status_code == 201, first.text
    server.kill()
    server.start()
    again = create_keyed(server, body, "before-kill")
    assert (again.status_code, again.json()) == (201, first.json())
    assert jobs_in_store(server) == 1
    assert wait_done(server, first.json()["details"]["id"])["status"] == "COMPLETED"


def test_an_upload_cut_off_by_a_sigkill_leaves_its_key_free(server: LiveServer) -> None:
    """The upload is streaming (a part file is being written) when the server is killed: the
    key was never written, so the same request afterwards uploads the file."""
    content, headers = multipart(LEADS_CSV * 2000, "big.csv")
    release = threading.Event()

    def body() -> Iterator[bytes]:
        yield content[: len(content) // 2]
        release.wait(60)
        yield content[len(content) // 2 :]

    outcome: list[BaseException | httpx.Response] = []

    def send() -> None:
        try:
            with client(server) as http:
                outcome.append(
                    http.post(
                        UPLOAD,
                        content=body(),
                        headers={**headers, "feature": "bulk-write", KEY: "cut"},
                    )
                )
        except httpx.TransportError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    tmp = server.services.files.tmp_dir
    deadline = time.monotonic() + 30
    while not (tmp.is_dir() and any(is_part(p) for p in tmp.iterdir())):
        assert time.monotonic() < deadline, "the upload never started streaming"
        time.sleep(0.02)  # polling for the server's part file, a real condition
    server.kill()
    release.set()
    sender.join(60)
    assert outcome and isinstance(outcome[0], httpx.TransportError), outcome
    server.start()
    done = upload_keyed(server, LEADS_CSV * 2000, "cut", name="big.csv")
    assert done.status_code == 200, done.text
    file_id = assert_id(done.json()["details"]["file_id"])
    job = create_keyed(server, job_body(file_id), "cut")
    assert wait_done(server, job.json()["details"]["id"])["status"] == "COMPLETED"
