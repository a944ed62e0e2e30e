"""The New import page's mapping table (pure): suggestions, and the posted table checked."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bulkwrite.domain.modules import Field, FieldType
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.errors import DataInvalid
from bulkwrite.services.failed_rows import TAIL
from bulkwrite.ui.mapping_table import choices, mapping_rows, posted_mappings
from bulkwrite.ui.views import job_row

MODULES = {m.api_name: m for m in standard_modules()}
LEADS = MODULES["Leads"]


def test_columns_are_matched_by_api_name_label_and_closeness() -> None:
    labelled = Field("Ref_No", FieldType.TEXT, label="Reference #")
    module = replace(LEADS, fields=(*LEADS.fields, labelled))
    header = ["Last_Name", "reference", "Compnay", "Shoe size", "", "Lead Statuses"]
    got = [(r.header, r.chosen, r.how) for r in mapping_rows(module, header, MODULES)]
    assert got == [
        ("Last_Name", "Last_Name", "API name"),
        ("reference", "Ref_No", "label"),
        ("Compnay", "Company", "close match"),
        ("Shoe size", "", "not mapped"),
        ("", "", "not mapped"),
        ("Lead Statuses", "Lead_Status", "close match"),
    ]
    far = mapping_rows(LEADS, ["Status"], MODULES)[0]  # like Lead_Status, not enough to guess
    assert (far.chosen, far.how) == ("", "not mapped") and "Lead_Status" in far.note


def test_the_columns_a_failed_rows_file_adds_are_not_imported() -> None:
    rows = mapping_rows(LEADS, ["Last_Name", *TAIL], MODULES)
    assert [r.chosen for r in rows] == ["Last_Name", "", "", "", ""]


def test_choices_start_with_dont_import_and_name_fields_by_label() -> None:
    listed = choices(LEADS)
    assert (listed[0].value, listed[0].label) == ("", "Don't import")
    assert any(c.value == "Last_Name" and c.label == "Last Name (Last_Name)" for c in listed)


def test_a_posted_table_becomes_field_mappings() -> None:
    form = {"map_0": "Last_Name", "map_1": "", "map_2": "Owner.id"}
    assert posted_mappings(form, 3, {"Last_Name", "Owner"}) == [
        {"api_name": "Last_Name", "index": 0},
        {"api_name": "Owner", "index": 2, "find_by": "id"},
    ]


@pytest.mark.parametrize(
    ("form", "width"),
    [
        ({"map_0": "Nope"}, 1),  # no field of the module
        ({"map_0": "Last_Name."}, 1),  # a dot and nothing after it
        ({"map_0": "Last_Name", "map_5": "Email"}, 1),  # a column the file does not have
        ({"map_0": ""}, 1),  # nothing mapped at all
    ],
)
def test_a_bad_table_is_refused(form: dict[str, str], width: int) -> None:
    with pytest.raises(DataInvalid):
        posted_mappings(form, width, {"Last_Name", "Email"})


def test_a_job_row_sums_its_resources() -> None:
    document = {
        "id": "7",
        "status": "COMPLETED",
        "operation": "insert",
        "created_time": "2026-01-02T03:04:05+00:00",
        "progress": {"percent": 100.0, "rows_done": 5, "rows_total": 5},
        "resource": [
            {"module": {"api_name": "Deals"}, "status": "COMPLETED", "file": {"name": "a.csv",
             "added_count": 2, "updated_count": 1, "skipped_count": 0, "total_count": 3}},
            {"module": {"api_name": "Deals_Items"}, "status": "COMPLETED", "file": {"name": "b",
             "added_count": 1, "updated_count": 0, "skipped_count": 1, "total_count": 2}},
        ],
    }  # fmt: skip
    row = job_row(document)
    assert (row.module, row.added, row.updated, row.skipped, row.total) == ("Deals", 3, 1, 1, 5)
    assert row.ended and row.created_short == "2026-01-02 03:04:05"
    assert row.live()["ended"] is True
