"""Records paging by ``page_token`` (contract section 10), on both stores: tokens walk a module
in the order ``page`` reads, with no gap and no repeat while records are written meanwhile; a
foreign, altered, expired or mismatched token is ``INVALID_DATA`` at ``page_token``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bulkwrite.clock import now
from bulkwrite.errors import DataInvalid
from bulkwrite.services import page_tokens
from bulkwrite.services.accounts import create_org
from bulkwrite.services.records import RecordPage, RecordQuery, list_records
from bulkwrite.services.tokens import authenticate
from bulkwrite.store.keyset import Position
from tests.contract.conftest import make_harness
from tests.contract.harness import Harness

#: 23 leads: names repeat (ties broken by id), a third have no email (NULL keys).
LEADS = "Last_Name,Company,Email\n" + "".join(
    f"{'Name' + str(n % 5)},Co{n},{'' if n % 3 == 0 else f'l{n:02}@example.com'}\n"
    for n in range(23)
)


@pytest.fixture
def leads(tmp_path: Path, store_kind: str, database_url: str) -> Iterator[Harness]:
    made = make_harness(tmp_path, store_kind, database_url)
    try:
        assert made.job(LEADS, "Leads")["status"] == "COMPLETED"
        yield made
    finally:
        made.worker.stop()
        made.services.store.close()


def read(harness: Harness, tokens: bool = True, **query: str) -> RecordPage:
    chosen = RecordQuery(tokens=tokens, **query)  # type: ignore[arg-type]
    return list_records(harness.services, harness.principal, "Leads", chosen)


def walk(harness: Harness, between: int = 0, **query: str) -> list[str]:
    """Every id, page by token; ``between``: a new lead is written after each of that many
    first pages (ids grow, so an id-ordered walk ends on them)."""
    ids: list[str] = []
    page = read(harness, **query)
    number = 1
    while True:
        assert page.page == number and page.token is not None
        ids += [r["id"] for r in page.data]
        following, expiry = page.token
        assert expiry > now().isoformat()
        if not page.more_records:
            assert following is None
            return ids
        assert following is not None
        if number <= between:
            harness.job(f"Last_Name,Company\nLate{number},Co\n", "Leads")
        page = read(harness, page_token=following, **query)
        number += 1


def by_page(harness: Harness, **query: str) -> list[str]:
    ids: list[str] = []
    number = 1
    while True:
        page = read(harness, page=str(number), **query)
        ids += [r["id"] for r in page.data]
        if not page.more_records:
            return ids
        number += 1


ORDERS = [
    {},
    {"sort_order": "desc"},
    {"sort_by": "Last_Name"},
    {"sort_by": "Last_Name", "sort_order": "desc"},
    {"sort_by": "Email"},
    {"sort_by": "Email", "sort_order": "desc"},
    {"sort_by": "Created_Time", "fields": "Last_Name,Email"},
]


def test_tokens_walk_every_order_as_page_does(leads: Harness) -> None:
    stored = leads.records("Leads", "Last_Name", "Email")
    for order in ORDERS:
        walked = walk(leads, per_page="4", **order)
        assert walked == by_page(leads, per_page="4", **order), order
        assert sorted(walked) == sorted(str(r["id"]) for r in stored), order
    asc = walk(leads, per_page="5", sort_by="Email")
    emails = {str(r["id"]): r["Email"] for r in stored}
    keys = [emails[i] for i in asc]
    assert keys[:8] == [None] * 8 and keys[8:] == sorted(keys[8:]), "NULL keys come first"
    desc = walk(leads, per_page="5", sort_by="Email", sort_order="desc")
    assert [emails[i] for i in desc][-8:] == [None] * 8, "and last when descending"
    names = {str(r["id"]): r["Last_Name"] for r in stored}
    pairs = [(names[i], int(i)) for i in walk(leads, per_page="3", sort_by="Last_Name")]
    assert pairs == sorted(pairs), "ties in id order"


def test_a_walk_while_records_are_written_has_no_gap_and_no_repeat(leads: Harness) -> None:
    before = {str(r["id"]) for r in leads.records("Leads")}
    walked = walk(leads, between=3, per_page="6")
    assert len(walked) == len(set(walked)) == len(before) + 3
    assert set(walked) == {str(r["id"]) for r in leads.records("Leads")}
    by_name = walk(leads, between=2, per_page="6", sort_by="Last_Name", sort_order="desc")
    assert len(by_name) == len(set(by_name)) and before <= set(by_name)


def refused(harness: Harness, token: str, **query: str) -> DataInvalid:
    with pytest.raises(DataInvalid) as caught:
        read(harness, page_token=token, **query)
    assert caught.value.details["api_name"] == "page_token", caught.value.details
    return caught.value


def test_foreign_altered_expired_or_mismatched_tokens_are_refused(leads: Harness) -> None:
    page = read(leads, per_page="5")
    assert page.token is not None and page.token[0] is not None
    token = page.token[0]
    assert read(leads, page_token=token, per_page="5").page == 2
    payload, _, signature = token.partition(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["i"] += 1
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    refused(leads, f"{forged}.{signature}", per_page="5")
    refused(leads, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), per_page="5")
    refused(leads, "not-a-token", per_page="5")
    refused(leads, token, per_page="6")
    refused(leads, token, per_page="5", sort_order="desc")
    refused(leads, token, per_page="5", fields="Last_Name")
    with pytest.raises(DataInvalid) as both:
        read(leads, page_token=token, page="2", per_page="5")
    assert both.value.details["api_name"] == "page"
    with pytest.raises(DataInvalid):  # v2 and v2.1 have no page tokens
        read(leads, False, page_token=token, per_page="5")
    other = create_org(leads.services, "Other", "admin@other.example", "Other Admin")
    outsider = authenticate(leads.services, f"Zoho-oauthtoken {other.token}")
    with pytest.raises(DataInvalid) as foreign:
        list_records(leads.services, outsider, "Leads", RecordQuery(per_page="5", page_token=token))
    assert foreign.value.details["api_name"] == "page_token"
    with pytest.raises(DataInvalid):  # another module of the same org
        list_records(
            leads.services, leads.principal, "Contacts", RecordQuery(per_page="5", page_token=token)
        )


def test_an_expired_token_is_refused(leads: Harness) -> None:
    key = page_tokens.page_key(leads.services, leads.org.org.id)
    binding = page_tokens.Binding(
        leads.org.org.id,
        "Leads",
        tuple(f.api_name for f in _leads_fields(leads)),
        5,
        "id",
        False,
    )
    first = read(leads, per_page="5").data[-1]["id"]
    after = Position(int(first), int(first))
    fresh = page_tokens.issue(key, binding, 2, after, now())
    assert read(leads, page_token=fresh, per_page="5").page == 2
    old = page_tokens.issue(key, binding, 2, after, now() - timedelta(hours=24, seconds=1))
    assert "expired" in str(refused(leads, old, per_page="5"))


def test_versions_without_tokens_carry_none(leads: Harness) -> None:
    page = read(leads, False, per_page="5")
    assert page.token is None
    assert set(page.document()["info"]) == {"per_page", "count", "page", "more_records"}


def _leads_fields(harness: Harness) -> list[object]:
    with harness.services.store.transaction(write=False) as tx:
        module = tx.get_module(harness.org.org.id, "Leads")
    assert module is not None
    return list(module.fields)
