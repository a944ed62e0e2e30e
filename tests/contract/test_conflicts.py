"""A unique value taken after the check (by another writer): only the rows that break the index
are skipped, as DUPLICATE_DATA; the chunk's other rows are written.

The other writer is a trigger of the database itself: whenever a chosen Email is about to be
written, it first writes another record holding that Email, within the same statement, so no
check made before the write can see it (as with a job that commits the value in between).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from tests.contract.harness import Harness, counts

SQLITE_TRIGGER = """
CREATE TRIGGER steal_{event} BEFORE {event} ON "{table}"
WHEN NEW."Email" IN ({emails})
BEGIN
    INSERT INTO "{table}" (id, "Email", "Last_Name", "Company")
    VALUES (NEW.id + 500000000, NEW."Email", 'Thief', 'Elsewhere');
END
"""
PG_FUNCTION = """
CREATE FUNCTION steal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW."Email" IN ({emails}) AND pg_trigger_depth() = 1 THEN
        INSERT INTO "{table}" (id, "Email", "Last_Name", "Company")
        VALUES (NEW.id + 500000000, NEW."Email", 'Thief', 'Elsewhere');
    END IF;
    RETURN NEW;
END $$
"""
PG_TRIGGER = (
    'CREATE TRIGGER steal_{event} BEFORE {event} ON "{table}" FOR EACH ROW EXECUTE FUNCTION steal()'
)


def _steal(harness: Harness, database_url: str, emails: list[str], events: list[str]) -> None:
    """Make the database write a rival record first whenever one of ``emails`` is written."""
    with harness.services.store.transaction() as tx:
        table = tx.record_table(harness.org.org.id, "Leads")
    quoted = ", ".join(f"'{e}'" for e in emails)
    if not database_url:
        path: Path = harness.services.store.path  # type: ignore[attr-defined]
        with sqlite3.connect(path) as conn:
            for event in events:
                conn.execute(SQLITE_TRIGGER.format(event=event, table=table, emails=quoted))
        return
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(PG_FUNCTION.format(table=table, emails=quoted))  # type: ignore[arg-type]
        for event in events:
            conn.execute(PG_TRIGGER.format(event=event, table=table))  # type: ignore[arg-type]


@pytest.fixture
def leads(harness: Harness) -> Harness:
    harness.job("Last_Name,Company,Email\nFirst,Co,first@example.com\n", "Leads")
    return harness


def test_inserts_breaking_an_index_after_the_check_are_skipped_alone(
    leads: Harness, database_url: str
) -> None:
    _steal(leads, database_url, ["b@example.com", "f@example.com"], ["INSERT"])
    rows = "".join(f"N{c},Co,{c}@example.com\n" for c in "abcdefg")
    details = leads.job("Last_Name,Company,Email\n" + rows, "Leads")
    assert details["status"] == "COMPLETED"
    assert counts(details) == (5, 0, 2, 7)
    result = leads.result_rows(details)
    assert [r["STATUS"] for r in result] == ["ADDED", "SKIPPED"] + ["ADDED"] * 3 + [
        "SKIPPED",
        "ADDED",
    ]
    assert [r["ERRORS"] for r in result if r["STATUS"] == "SKIPPED"] == ["DUPLICATE_DATA-Email"] * 2
    assert all(r["RECORD_ID"] == "" for r in result if r["STATUS"] == "SKIPPED")
    stored = leads.records("Leads", "Email", "Last_Name")
    assert sorted(str(r["Email"]) for r in stored) == sorted(
        ["first@example.com"] + [f"{c}@example.com" for c in "acdeg"]
    )
    assert all(r["Last_Name"] != "Thief" for r in stored)
    ids = {str(r["id"]) for r in stored}
    assert {r["RECORD_ID"] for r in result if r["STATUS"] == "ADDED"} <= ids


def test_updates_breaking_an_index_after_the_check_are_skipped_alone(
    leads: Harness, database_url: str
) -> None:
    (first,) = leads.records("Leads", "Email")
    _steal(leads, database_url, ["taken@example.com"], ["UPDATE"])
    upsert = (
        f"id,Last_Name,Company,Email\n{first['id']},Moved,Co,taken@example.com\n"
        ",New,Co,new@example.com\n"
    )
    details = leads.job(upsert, "Leads", "upsert", find_by="id")
    assert counts(details) == (1, 0, 1, 2)
    result = leads.result_rows(details)
    assert [r["ERRORS"] for r in result] == ["DUPLICATE_DATA-Email", ""]
    stored = {str(r["Email"]): r["Last_Name"] for r in leads.records("Leads", "Email", "Last_Name")}
    assert stored == {"first@example.com": "First", "new@example.com": "New"}
