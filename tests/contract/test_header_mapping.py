"""Columns mapped by header (API names, labels, loose spellings); the rest named in job details.

Also what happens to rows whose ``find_by`` value is empty: SKIPPED for update, a new record for
upsert (as Zoho does).
"""

from __future__ import annotations

from bulkwrite.services.schema import apply_schema
from tests.contract.harness import Harness, counts

VISITS = """
modules:
  - api_name: Visits
    fields:
      - {api_name: Visit_Name, type: text, mandatory: true}
      - {api_name: Ref_Code, type: text, label: "Reference #"}
      - {api_name: Visited_On, type: date}
"""


def test_labels_and_loose_spellings_map_and_unmapped_columns_are_named(harness: Harness) -> None:
    text = (
        "Last Name,COMPANY,E-mail,first_name,Phone_Number,Favourite Colour,\n"
        "Lovelace,Engines,ada@example.com,Ada,555-0100,blue,\n"
    )
    details = harness.job(text, "Leads")
    resource = details["resource"][0]
    assert counts(details) == (1, 0, 0, 1)
    assert [(m["api_name"], m["index"]) for m in resource["field_mappings"]] == [
        ("Last_Name", 0), ("Company", 1), ("Email", 2), ("First_Name", 3),
    ]  # fmt: skip
    assert resource["unmapped_columns"] == ["Phone_Number", "Favourite Colour"]
    (record,) = harness.records("Leads", "Last_Name", "Company", "Email", "First_Name")
    assert (record["Last_Name"], record["Company"], record["Email"], record["First_Name"]) == (
        "Lovelace", "Engines", "ada@example.com", "Ada",
    )  # fmt: skip


def test_a_custom_label_maps_and_explicit_mappings_name_the_columns_they_leave(
    harness: Harness,
) -> None:
    apply_schema(harness.services, harness.org.org.id, VISITS)
    details = harness.job("Visit name,Reference #,Visited on\nKickoff,R-1,12/31/2026\n", "Visits")
    resource = details["resource"][0]
    assert counts(details) == (1, 0, 0, 1)
    assert resource["unmapped_columns"] == []
    (record,) = harness.records("Visits", "Ref_Code", "Visited_On")
    assert record["Ref_Code"] == "R-1"

    explicit = harness.job(
        "Visit_Name,Notes,Ref_Code\nReview,ignored,R-2\n",
        "Visits",
        field_mappings=[{"api_name": "Visit_Name", "index": 0}],
    )
    assert explicit["resource"][0]["unmapped_columns"] == ["Notes", "Ref_Code"]


def test_an_empty_find_by_value_is_skipped_by_update_and_inserted_by_upsert(
    harness: Harness,
) -> None:
    harness.job("Last_Name,Company,Email\nA,Co,a@example.com\n", "Leads")
    text = "Last_Name,Company,Email\nA,New Co,a@example.com\nB,Co,\n"

    update = harness.job(text, "Leads", "update", find_by="Email")
    assert counts(update) == (0, 1, 1, 2)
    assert [r["ERRORS"] for r in harness.result_rows(update)] == ["", "MANDATORY_NOT_FOUND-Email"]

    for run in (1, 2):  # an upsert run twice adds the keyless row twice
        upsert = harness.job(text, "Leads", "upsert", find_by="Email")
        assert counts(upsert) == (1, 1, 0, 2), run
        assert [r["STATUS"] for r in harness.result_rows(upsert)] == ["UPDATED", "ADDED"]
    assert sum(1 for r in harness.records("Leads", "Last_Name") if r["Last_Name"] == "B") == 2
