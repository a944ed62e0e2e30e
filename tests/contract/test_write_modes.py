"""Insert, update and upsert as section 9 of the contract describes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.contract.harness import Harness, counts

LEADS = (
    "Last_Name,First_Name,Company,Email\n"
    "Smith,John,Acme,john@example.com\n"
    ",Jane,Acme,jane@example.com\n"
    "Doe,Bob,,bad-email\n"
    "Roe,Al,Acme,john@example.com\n"
    "Poe,Ed,Globex,ed@example.com\n"
)


def test_insert_reports_every_row_in_input_order(harness: Harness) -> None:
    details = harness.job(LEADS, "Leads")
    assert details["status"] == "COMPLETED"
    assert counts(details) == (2, 0, 3, 5)
    rows = harness.result_rows(details)
    assert [r["Last_Name"] for r in rows] == ["Smith", "", "Doe", "Roe", "Poe"]
    assert list(rows[0]) == ["Last_Name", "First_Name", "Company", "STATUS", "RECORD_ID", "ERRORS"]
    assert [r["STATUS"] for r in rows] == ["ADDED", "SKIPPED", "SKIPPED", "SKIPPED", "ADDED"]
    assert [r["ERRORS"] for r in rows] == [
        "",
        "MANDATORY_NOT_FOUND-Last_Name",
        "MANDATORY_NOT_FOUND-Company:INVALID_DATA-Email",
        "DUPLICATE_DATA-Email",
        "",
    ]
    added = {r["RECORD_ID"] for r in rows if r["STATUS"] == "ADDED"}
    stored = harness.records("Leads", "Last_Name", "Email", "_job")
    assert {str(r["id"]) for r in stored} == added
    assert all(len(i) in (18, 19) and i.isdigit() for i in added)
    assert all(r["_job"] == int(details["id"]) for r in stored)


def test_insert_with_find_by_skips_existing_keys(harness: Harness) -> None:
    harness.job(LEADS, "Leads")
    again = "Last_Name,Company,Email\nNew,Co,new@example.com\nOld,Co,ed@example.com\n"
    details = harness.job(again, "Leads", find_by="Email")
    assert counts(details) == (1, 0, 1, 2)
    assert harness.result_rows(details)[1]["ERRORS"] == "DUPLICATE_DATA-Email"


def test_update_by_unique_field(harness: Harness) -> None:
    harness.job(LEADS, "Leads")
    update = (
        "Email,Company\n"
        "john@example.com,Initech\n"
        "nobody@example.com,Hooli\n"
        "john@example.com,Again\n"
        ",Blank\n"
        "ed@example.com,Umbrella\n"
    )
    details = harness.job(update, "Leads", "update", find_by="Email")
    assert counts(details) == (0, 2, 3, 5)
    rows = harness.result_rows(details)
    assert [r["STATUS"] for r in rows] == ["UPDATED", "SKIPPED", "SKIPPED", "SKIPPED", "UPDATED"]
    assert [r["ERRORS"] for r in rows] == [
        "",
        "RESOURCE_NOT_FOUND-Email",
        "DUPLICATE_DATA-Email",
        "MANDATORY_NOT_FOUND-Email",
        "",
    ]
    companies = {r["Email"]: r["Company"] for r in harness.records("Leads", "Email", "Company")}
    assert companies == {"john@example.com": "Initech", "ed@example.com": "Umbrella"}


def test_update_never_clears_a_mandatory_field(harness: Harness) -> None:
    harness.job(LEADS, "Leads")
    update = "Email,Company,First_Name\njohn@example.com,,\ned@example.com,X,\n"
    details = harness.job(update, "Leads", "update", find_by="Email")
    rows = harness.result_rows(details)
    assert rows[0]["ERRORS"] == "MANDATORY_NOT_FOUND-Company"
    assert rows[1]["STATUS"] == "UPDATED"
    stored = {r["Email"]: r for r in harness.records("Leads", "Email", "Company", "First_Name")}
    assert stored["ed@example.com"]["First_Name"] is None  # empty cell cleared it
    assert stored["john@example.com"]["Company"] == "Acme"


def test_ignore_empty_leaves_stored_values(harness: Harness) -> None:
    harness.job(LEADS, "Leads")
    update = "Email,Company,First_Name\ned@example.com,,\n"
    details = harness.job(update, "Leads", "update", find_by="Email", ignore_empty=True)
    assert counts(details) == (0, 1, 0, 1)
    stored = {r["Email"]: r for r in harness.records("Leads", "Email", "Company", "First_Name")}
    assert stored["ed@example.com"]["First_Name"] == "Ed"
    assert stored["ed@example.com"]["Company"] == "Globex"


def test_upsert_by_id_updates_matches_and_creates_the_rest(harness: Harness) -> None:
    first = harness.result_rows(harness.job(LEADS, "Leads"))
    smith = first[0]["RECORD_ID"]
    upsert = (
        f"id,Last_Name,Company\n{smith},Smith,Renamed\n,Newman,Fresh\n"
        f"{smith},Smith,Twice\n,Nocompany,\n"
    )
    details = harness.job(upsert, "Leads", "upsert", find_by="id")
    assert counts(details) == (1, 1, 2, 4)
    rows = harness.result_rows(details)
    assert [r["STATUS"] for r in rows] == ["UPDATED", "ADDED", "SKIPPED", "SKIPPED"]
    assert rows[0]["RECORD_ID"] == smith
    assert rows[2]["ERRORS"] == "DUPLICATE_DATA-id"
    assert rows[3]["ERRORS"] == "MANDATORY_NOT_FOUND-Company"
    names = {str(r["id"]): r["Company"] for r in harness.records("Leads", "Company")}
    assert names[smith] == "Renamed"


def test_upsert_by_email_creates_unknown_keys(harness: Harness) -> None:
    harness.job(LEADS, "Leads")
    upsert = "Email,Last_Name,Company\njohn@example.com,Smith,Up\nzed@example.com,Zed,Co\n"
    details = harness.job(upsert, "Leads", "upsert", find_by="Email")
    assert counts(details) == (1, 1, 0, 2)


def test_unique_value_repeated_across_chunks_is_a_duplicate(harness: Harness) -> None:
    rows = [f"N{i},Co,user{i % 4}@example.com" for i in range(10)]
    details = harness.job("Last_Name,Company,Email\n" + "\n".join(rows) + "\n", "Leads")
    assert counts(details) == (4, 0, 6, 10)
    assert all(r["ERRORS"] == "DUPLICATE_DATA-Email" for r in harness.result_rows(details)[4:])


def test_insert_of_a_unique_value_stored_before_is_a_duplicate(harness: Harness) -> None:
    """A plain insert (no find_by) whose rows give a unique field a value the store holds:
    only those rows are skipped, in whichever chunk they fall (dry runs ask the store)."""
    harness.job(LEADS, "Leads")
    rows = [f"N{i},Co,new{i}@example.com" for i in range(7)]
    rows[4] = "Old,Co,ed@example.com"
    details = harness.job("Last_Name,Company,Email\n" + "\n".join(rows) + "\n", "Leads")
    assert counts(details) == (6, 0, 1, 7)
    errors = [r["ERRORS"] for r in harness.result_rows(details)]
    assert errors == ["", "", "", "", "DUPLICATE_DATA-Email", "", ""]


def test_update_key_repeated_across_chunks_first_row_wins(harness: Harness) -> None:
    harness.job(LEADS, "Leads")
    update = "Email,Company\n" + "ed@example.com,A\n" * 5
    details = harness.job(update, "Leads", "update", find_by="Email")
    assert counts(details) == (0, 1, 4, 5)
    assert {r["Company"] for r in harness.records("Leads", "Company")} >= {"A"}


WITH_DEFAULTS = [
    {"api_name": "Last_Name", "index": 0},
    {"api_name": "Email", "index": 1},
    {"api_name": "Company", "default_value": {"value": "Default Co"}},
    {"api_name": "Lead_Source", "index": 2, "default_value": {"value": "Chat"}},
]


def test_default_values_and_field_mappings(harness: Harness) -> None:
    text = "Name,Mail,Extra\nSmith,s@example.com,x\nJones,,y\n"
    details = harness.job(
        text,
        "Leads",
        field_mappings=WITH_DEFAULTS,
    )
    rows = harness.result_rows(details)
    assert list(rows[0])[:3] == ["Name", "Mail", "Extra"]
    assert [r["ERRORS"] for r in rows] == ["INVALID_DATA-Extra", "INVALID_DATA-Extra"]
    fixed = "Name,Mail,Source\nSmith,s@example.com,\nJones,,trade show\n"
    details = harness.job(
        fixed,
        "Leads",
        field_mappings=WITH_DEFAULTS,
    )
    assert counts(details) == (2, 0, 0, 2)
    stored = {
        r["Last_Name"]: r for r in harness.records("Leads", "Last_Name", "Company", "Lead_Source")
    }
    assert stored["Smith"]["Company"] == "Default Co"
    assert stored["Smith"]["Lead_Source"] == "Chat"
    assert stored["Jones"]["Lead_Source"] == "Trade Show"


def test_dates_with_format_and_typed_storage(harness: Harness) -> None:
    text = (
        "Deal,Stage,Close,Amount,Prob\n"
        "A,Qualification,28.11.2026,1000.50,50\n"
        "B,Closed Won,31.02.2026,10,50\n"
        "C,Nope,01.01.2026,x,101\n"
    )
    details = harness.job(
        text,
        "Deals",
        field_mappings=[
            {"api_name": "Deal_Name", "index": 0},
            {"api_name": "Stage", "index": 1},
            {"api_name": "Closing_Date", "index": 2, "format": "dd.MM.yyyy"},
            {"api_name": "Amount", "index": 3},
            {"api_name": "Probability", "index": 4},
        ],
    )
    assert counts(details) == (1, 0, 2, 3)
    rows = harness.result_rows(details)
    assert rows[1]["ERRORS"] == "INVALID_DATA-Close"
    assert rows[2]["ERRORS"] == "INVALID_DATA-Amount,Prob,Stage"
    (deal,) = harness.records("Deals", "Closing_Date", "Amount", "Probability")
    assert (deal["Closing_Date"], deal["Amount"], deal["Probability"]) == ("2026-11-28", 1000.5, 50)


def test_rows_wider_or_narrower_than_the_header(harness: Harness) -> None:
    text = "Last_Name,Company\nA,Co,extra\nB\nC,Co,,\n"
    details = harness.job(text, "Leads")
    rows = harness.result_rows(details)
    assert [r["ERRORS"] for r in rows] == [
        "CANNOT_PROCESS-column 3",
        "MANDATORY_NOT_FOUND-Company",
        "",
    ]


def test_rows_beyond_the_row_limit_are_skipped(tmp_path: object) -> None:
    from pathlib import Path

    from tests.contract.conftest import make_harness

    assert isinstance(tmp_path, Path)
    h = make_harness(tmp_path, "sqlite", chunk_size=2, max_rows=3)
    try:
        text = "Last_Name,Company\n" + "".join(f"N{i},Co\n" for i in range(5))
        details = h.job(text, "Leads")
        assert counts(details) == (3, 0, 2, 5)
        assert [r["ERRORS"] for r in h.result_rows(details)][3:] == ["LIMIT_EXCEEDED-Leads"] * 2
    finally:
        h.worker.stop()
        h.services.store.close()


def test_unreadable_rest_of_file_fails_the_job_keeping_what_was_done(harness: Harness) -> None:
    text = b"Last_Name,Company\n" + b"".join(b"N%d,Co\n" % i for i in range(7)) + b"Bad\xff,Co\n"
    file_id = harness.upload(text)
    details = harness.run(
        {
            "operation": "insert",
            "character_encoding": "ascii",
            "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
        }
    )
    assert details["status"] == "FAILED"
    resource = details["resource"][0]
    assert resource["status"] == resource["code"] == "FAILED"
    assert resource["error"]["code"] == "INVALID_DATA"
    assert counts(details)[0] == 6  # two whole chunks of three committed before the bad one
    rows = harness.result_rows(details)
    assert [r["STATUS"] for r in rows] == ["ADDED"] * 6 + ["UNPROCESSED"] * 2
    assert [r["Last_Name"] for r in rows][6:] == ["N6", "Bad\ufffd"]
    assert "download_url" in details["result"]


def test_upsert_by_email_updates_every_field_but_the_key_it_matched(harness: Harness) -> None:
    harness.job(LEADS, "Leads")
    upsert = "Email,Last_Name,Company\ned@example.com,Poe2,Initech\nJOHN@example.com,J,Co\n"
    details = harness.job(upsert, "Leads", "upsert", find_by="Email")
    assert counts(details) == (1, 1, 0, 2)  # the key matches byte for byte: JOHN@ is new
    stored = {
        r["Email"]: r for r in harness.records("Leads", "Email", "Last_Name", "Company", "_job")
    }
    assert (stored["ed@example.com"]["Last_Name"], stored["ed@example.com"]["Company"]) == (
        "Poe2",
        "Initech",
    )
    assert stored["ed@example.com"]["_job"] == int(details["id"])
    assert {"john@example.com", "JOHN@example.com"} <= set(stored)


def test_records_carry_their_chunk_transactions_time(harness: Harness) -> None:
    """Created and Modified time are the writing transaction's clock, to the second, in UTC
    (on PostgreSQL the columns' default, so no datetime is sent per row)."""
    before = datetime.now(UTC).replace(microsecond=0)
    harness.job(LEADS, "Leads")
    after = datetime.now(UTC)
    stored = harness.records("Leads", "Email", "Created_Time", "Modified_Time")
    assert len(stored) == 2
    for record in stored:
        assert record["Created_Time"] == record["Modified_Time"]
        stamp = datetime.fromisoformat(str(record["Created_Time"]))
        assert stamp.utcoffset() == timedelta(0) and stamp.microsecond == 0
        assert before <= stamp <= after
    update = "Email,Company\njohn@example.com,Initech\n"
    harness.job(update, "Leads", "update", find_by="Email")
    again = {
        r["Email"]: r for r in harness.records("Leads", "Email", "Created_Time", "Modified_Time")
    }
    john = again["john@example.com"]
    assert (
        john["Created_Time"] == {r["Email"]: r for r in stored}["john@example.com"]["Created_Time"]
    )
    moved = datetime.fromisoformat(str(john["Modified_Time"]))
    assert moved >= datetime.fromisoformat(str(john["Created_Time"]))
    assert moved.utcoffset() == timedelta(0)
