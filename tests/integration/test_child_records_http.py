"""Records read back with their child rows over real HTTP (contract sections 10 and 12), on
both stores: subform and line-item fields as arrays of typed rows, multi-select lookups as
arrays of the linked records, multi-user lookups as arrays of users. The rows are written
with the store directly (a job writes them through the same tables)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkwrite.services.accounts import add_user
from bulkwrite.services.schema import apply_schema
from tests.contract.children import PROJECTS, insert_rows
from tests.pg import TestDatabases, databases_on_test_server
from tests.server import LiveServer, make_server


@pytest.fixture(scope="module")
def pg() -> Iterator[TestDatabases]:
    yield from databases_on_test_server("the child records HTTP tests")


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    settings: dict[str, str] = {}
    name = ""
    if request.param == "postgresql":
        databases: TestDatabases = request.getfixturevalue("pg")
        name, url = databases.copy_of_template()
        settings["database_url"] = url
    (tmp_path / "data").mkdir()
    made = make_server(tmp_path / "data", **settings)
    try:
        apply_schema(made.services, made.demo.org.id if made.demo else "", PROJECTS)
        made.start()
        yield made
    finally:
        made.stop()
        if name:
            request.getfixturevalue("pg").release(name)


def _write(server: LiveServer, module: str, frame: dict[str, list[object]]) -> None:
    assert server.demo is not None
    with server.services.store.transaction() as tx:
        insert_rows(tx, tx.record_table(server.demo.org.id, module), frame)


def _get(server: LiveServer, path: str, **params: str) -> Any:
    with httpx.Client(base_url=server.base_url, headers=server.headers(), timeout=30) as client:
        response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_project_reads_back_with_its_rows_and_links(server: LiveServer) -> None:
    assert server.demo is not None
    reviewer = add_user(
        server.services, server.demo.org, "rita@demo.example", "Rita Reviewer", "Standard"
    )
    admin = server.demo.admin
    _write(server, "Contacts", {"id": [11, 12], "Last_Name": ["Smith", "Jones"]})
    _write(server, "Projects", {"id": [1, 2, 3], "Project_Name": ["Apollo", "Gemini", "Idle"]})
    _write(
        server,
        "Milestones",
        {
            "id": [102, 101, 201],
            "Parent_Id": [1, 1, 2],
            "Title": ["Launch", "Design", "Plan"],
            "Due": ["2026-12-24", None, "2027-01-02"],
            "Weight": [2.5, None, 1.0],
            "Contact": [12, 11, None],
        },
    )
    _write(
        server, "Projects_X_Contacts", {"id": [301, 302], "Projects": [1, 1], "Contacts": [11, 12]}
    )
    _write(
        server,
        "Reviewers",
        {"id": [401, 402], "Parent_Id": [1, 2], "User": [int(reviewer.id), int(admin.id)]},
    )

    (apollo,) = _get(server, "/crm/v8/Projects/1")
    assert apollo["Milestones"] == [
        {
            "id": "101",
            "Parent_Id": {"id": "1", "name": "Apollo"},
            "Title": "Design",
            "Due": None,
            "Weight": None,
            "Contact": {"id": "11", "name": "Smith"},
        },
        {
            "id": "102",
            "Parent_Id": {"id": "1", "name": "Apollo"},
            "Title": "Launch",
            "Due": "2026-12-24",
            "Weight": 2.5,
            "Contact": {"id": "12", "name": "Jones"},
        },
    ]
    assert apollo["Members"] == [{"id": "11", "name": "Smith"}, {"id": "12", "name": "Jones"}]
    assert apollo["Reviewers"] == [
        {"id": reviewer.id, "name": "Rita Reviewer", "email": "rita@demo.example"}
    ]
    page = {r["id"]: r for r in _get(server, "/crm/v8/Projects")}
    assert page["1"] == apollo
    assert [m["Title"] for m in page["2"]["Milestones"]] == ["Plan"]
    assert page["2"]["Members"] == []
    assert page["2"]["Reviewers"][0]["email"] == admin.email
    assert (page["3"]["Milestones"], page["3"]["Members"], page["3"]["Reviewers"]) == ([], [], [])
    chosen = _get(server, "/crm/v8/Projects", fields="Project_Name,Members")
    assert set(chosen[0]) == {"id", "Project_Name", "Members"}


def test_a_quote_reads_back_with_its_line_items(server: LiveServer) -> None:
    _write(server, "Accounts", {"id": [21], "Account_Name": ["Acme"]})
    _write(server, "Products", {"id": [31], "Product_Name": ["Widget"], "Unit_Price": [4.0]})
    _write(
        server,
        "Quotes",
        {
            "id": [41],
            "Subject": ["Q-1"],
            "Account_Name": [21],
            "Sub_Total": [7.0],
            "Grand_Total": [7.0],
        },
    )
    _write(
        server,
        "Quoted_Items",
        {
            "id": [51],
            "Parent_Id": [41],
            "Product_Name": [31],
            "Quantity": [2.0],
            "List_Price": [4.0],
            "Discount": [1.0],
            "Tax": [0.0],
            "Total": [8.0],
            "Net_Total": [7.0],
        },
    )
    (quote,) = _get(server, "/crm/v8/Quotes/41")
    assert quote["Account_Name"] == {"id": "21", "name": "Acme"}
    assert quote["Grand_Total"] == 7.0
    (item,) = quote["Quoted_Items"]
    assert item["id"] == "51"
    assert item["Product_Name"] == {"id": "31", "name": "Widget"}
    assert (item["Quantity"], item["Total"], item["Net_Total"]) == (2.0, 8.0, 7.0)
    assert item["Price_Book_Name"] is None
