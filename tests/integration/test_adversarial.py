"""Bad input, as an attacker or a careless client sends it, against a real ``bulkwrite serve``.

One table: each row is a request, the HTTP status and the contract code it must get. Every
answer is a 4xx in the error envelope (never a 5xx, never a traceback), and the job accepted
before the table ran is still whole afterwards. ``test_the_table_counts`` prints how many bad
inputs were tried and refused.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.adversarial import LONG_HEADER, PATH_ROWS, Bad, Target
from tests.integration.adversarial_bodies import BODY_ROWS
from tests.integration.helpers import (
    LEADS_CSV,
    assert_error,
    client,
    create_ok,
    job_body,
    upload_ok,
    wait_done,
)
from tests.server import make_server

TABLE: list[Bad] = [*PATH_ROWS, *BODY_ROWS]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    server = make_server(tmp_path_factory.mktemp("adversarial") / "data")
    server.start()
    try:
        leads = upload_ok(server, LEADS_CSV, "leads.csv")
        utf32 = upload_ok(server, LEADS_CSV.decode().encode("utf-32"), "utf32.csv")
        long_header = upload_ok(server, LONG_HEADER, "long.csv")
        job = create_ok(server, job_body(leads))
        assert wait_done(server, job)["status"] == "COMPLETED"
        with client(server) as http:
            record = http.get("/crm/v8/Leads").json()["data"][0]["id"]
            modules = http.get("/crm/v8/settings/modules").json()["modules"]
            contacts = next(m["id"] for m in modules if m["api_name"] == "Contacts")
            yield Target(server, http, leads, utf32, long_header, job, record, contacts)
    finally:
        server.stop()


@pytest.mark.parametrize("bad", TABLE, ids=[b.name for b in TABLE])
def test_bad_input_is_a_clear_4xx(target: Target, bad: Bad) -> None:
    response = bad.send(target)
    assert_error(response, bad.status, bad.code)


def test_the_table_counts(target: Target) -> None:
    """Run last in this module: every row refused, no 5xx logged, the accepted job whole."""
    refused = sum(400 <= b.send(target).status_code < 500 for b in TABLE)
    print(f"bad inputs tried / refused with a 4xx: {len(TABLE)} / {refused}")
    assert refused == len(TABLE)
    log = target.server.server_log()
    assert "Traceback" not in log and '" 500 ' not in log, log[-5000:]
    details = target.http.get(f"/crm/bulk/v8/write/{target.job}").json()
    assert details["status"] == "COMPLETED"
    assert details["resource"][0]["file"]["added_count"] == 2


def test_a_utf32_file_is_read_as_utf32(target: Target) -> None:
    """Its byte-order mark is UTF-32's (which begins as UTF-16's does): the header is read
    right, with or without ``character_encoding``."""
    content = "Last_Name,Company\nÜmit,Acme\nZoë,Initech\n".encode("utf-32")
    mappings = [{"api_name": "Last_Name", "index": 0}, {"api_name": "Company", "index": 1}]
    for extra in ({}, {"character_encoding": "UTF-32"}):
        file_id = upload_ok(target.server, content, "utf32.csv")
        job = create_ok(target.server, {**job_body(file_id, mappings=mappings), **extra})
        details = wait_done(target.server, job)
        assert details["character_encoding"] == "UTF-32"
        assert details["resource"][0]["file"]["added_count"] == 2, details
    names = {r["Last_Name"] for r in target.http.get("/crm/v8/Leads").json()["data"]}
    assert {"Ümit", "Zoë"} <= names
