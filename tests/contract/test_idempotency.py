"""Idempotency keys over each store (beyond-zoho section 6): the first answer kept with what
it made, in one transaction; concurrent requests with one key make one job."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bulkwrite.clock import now
from bulkwrite.domain.idempotency import Answer, KeyedRequest
from bulkwrite.domain.identity import Principal
from bulkwrite.errors import DataInvalid, LimitExceeded
from bulkwrite.services.accounts import create_org
from bulkwrite.services.create_job import create_answer, create_job
from bulkwrite.services.idempotency import (
    KEY_TTL,
    Hold,
    answer_once,
    json_hash,
    keyed,
    sweep_expired_keys,
)
from bulkwrite.services.tokens import authenticate
from tests.contract.conftest import waiting_harness
from tests.contract.harness import Harness

CSV = "Last_Name,Company\nDoe,Acme\nRoe,Initech\n"


@pytest.fixture
def keyed_harness(tmp_path: Path, store_kind: str, database_url: str) -> Iterator[Harness]:
    with waiting_harness(tmp_path, store_kind, database_url, max_jobs_in_flight=50) as made:
        yield made


def body_for(file_id: str) -> dict[str, Any]:
    return {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }


def keyed_create(
    harness: Harness, principal: Principal, body: dict[str, Any], key: str | None
) -> Answer:
    request = keyed(principal, "create", key, json_hash("create", body))

    def make(hold: Hold | None) -> Answer:
        return create_answer(create_job(harness.services, principal, body, hold), principal)

    return answer_once(harness.services, request, make)


def open_jobs(harness: Harness, principal: Principal) -> int:
    with harness.services.store.transaction(write=False) as tx:
        return tx.count_open_jobs(principal.org.id)


def test_a_repeat_answers_as_the_first_and_makes_nothing(keyed_harness: Harness) -> None:
    principal = keyed_harness.principal
    body = body_for(keyed_harness.upload(CSV))
    first = keyed_create(keyed_harness, principal, body, "k-1")
    assert first.status_code == 201
    again = keyed_create(keyed_harness, principal, dict(reversed(list(body.items()))), "k-1")
    assert again == first
    assert open_jobs(keyed_harness, principal) == 1
    other = keyed_create(keyed_harness, principal, body, "k-2")  # another key: another job
    assert other.body["details"]["id"] != first.body["details"]["id"]
    assert open_jobs(keyed_harness, principal) == 2


def test_the_same_key_with_another_body_is_refused(keyed_harness: Harness) -> None:
    principal = keyed_harness.principal
    keyed_create(keyed_harness, principal, body_for(keyed_harness.upload(CSV)), "k")
    with pytest.raises(DataInvalid) as caught:
        keyed_create(keyed_harness, principal, body_for(keyed_harness.upload(CSV)), "k")
    assert caught.value.details["api_name"] == "Idempotency-Key"
    assert open_jobs(keyed_harness, principal) == 1


def test_another_orgs_key_is_its_own(keyed_harness: Harness) -> None:
    mine = keyed_harness.principal
    first = keyed_create(keyed_harness, mine, body_for(keyed_harness.upload(CSV)), "shared")
    other_org = create_org(keyed_harness.services, "Other", "admin@other.example", "Other")
    theirs = authenticate(keyed_harness.services, f"Zoho-oauthtoken {other_org.token}")
    path = keyed_harness.tmp / "other.csv"
    path.write_text(CSV)
    from bulkwrite.services.uploads import upload_file

    with path.open("rb") as source:
        their_file = upload_file(keyed_harness.services, theirs, source, "other.csv").id
    second = keyed_create(keyed_harness, theirs, body_for(their_file), "shared")
    assert second.body["details"]["id"] != first.body["details"]["id"]
    assert open_jobs(keyed_harness, theirs) == 1 and open_jobs(keyed_harness, mine) == 1


def test_a_request_that_fails_leaves_its_key_free(keyed_harness: Harness) -> None:
    """The key row is written in the job's transaction: a request that does not commit (here
    refused at the limit of jobs in flight, after its key was claimed) leaves no key."""
    principal = keyed_harness.principal
    body = body_for(keyed_harness.upload(CSV))
    keyed_harness.services.settings.max_jobs_in_flight = 1
    keyed_create(keyed_harness, principal, body, None)
    with pytest.raises(LimitExceeded):
        keyed_create(keyed_harness, principal, body, "k")
    request = KeyedRequest(principal.org.id, "create", "k", json_hash("create", body))
    with keyed_harness.services.store.transaction(write=False) as tx:
        assert tx.get_idempotency_key(request, now() - KEY_TTL) is None
    keyed_harness.services.settings.max_jobs_in_flight = 5
    assert keyed_create(keyed_harness, principal, body, "k").status_code == 201
    assert open_jobs(keyed_harness, principal) == 2


def test_concurrent_requests_with_one_key_make_one_job(keyed_harness: Harness) -> None:
    principal = keyed_harness.principal
    body = body_for(keyed_harness.upload(CSV))
    answers: list[Answer] = []
    failures: list[BaseException] = []
    start = threading.Barrier(20)

    def send() -> None:
        start.wait()
        try:
            answers.append(keyed_create(keyed_harness, principal, body, "together"))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(answers) == 20 and all(a == answers[0] for a in answers)
    assert open_jobs(keyed_harness, principal) == 1


def test_keys_expire_after_a_day_and_are_swept(keyed_harness: Harness) -> None:
    principal = keyed_harness.principal
    body = body_for(keyed_harness.upload(CSV))
    first = keyed_create(keyed_harness, principal, body, "old")
    assert sweep_expired_keys(keyed_harness.services) == 0  # a fresh key stays
    later = now() + KEY_TTL + timedelta(seconds=1)
    assert sweep_expired_keys(keyed_harness.services, at=later) == 1
    again = keyed_create(keyed_harness, principal, body_for(keyed_harness.upload(CSV)), "old")
    assert again.body["details"]["id"] != first.body["details"]["id"]  # the key was free


def test_an_expired_key_not_yet_swept_is_taken_again(keyed_harness: Harness) -> None:
    principal = keyed_harness.principal
    body = body_for(keyed_harness.upload(CSV))
    first = keyed_create(keyed_harness, principal, body, "stale")
    with keyed_harness.services.store.transaction() as tx:  # age the row past its time
        tx.conn.execute(  # type: ignore[attr-defined]
            "UPDATE idempotency_keys SET created_time = "
            + (
                "'2000-01-01T00:00:00+00:00'"
                if "sqlite" in type(tx).__name__.lower()
                else "TIMESTAMPTZ '2000-01-01 00:00:00+00'"
            ),
            {},
        )
    other = body_for(keyed_harness.upload(CSV))
    again = keyed_create(keyed_harness, principal, other, "stale")  # another body: no error
    assert again.body["details"]["id"] != first.body["details"]["id"]


def test_a_job_of_several_resources_is_created_once(keyed_harness: Harness) -> None:
    from tests.contract.children import DEALS, ITEMS_CSV, add_children, two_resources, zipped

    add_children(keyed_harness)
    principal = keyed_harness.principal
    upload = zipped({"deals.csv": DEALS, "items.csv": ITEMS_CSV})
    body = two_resources(keyed_harness.upload(upload, "job.zip"))
    first = keyed_create(keyed_harness, principal, body, "several")
    assert keyed_create(keyed_harness, principal, body, "several") == first
    assert open_jobs(keyed_harness, principal) == 1
    other = two_resources(body["resource"][0]["file_id"], child={"ignore_empty": True})
    with pytest.raises(DataInvalid):
        keyed_create(keyed_harness, principal, other, "several")
