"""bench.deals writes the same deals three ways, and each date cell reads as the same day."""

from __future__ import annotations

import csv
from pathlib import Path

from bench.deals import CASES, COLUMNS, job_body, write_deals
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.importer.convert import INVALID, make_converter


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_the_three_files_hold_the_same_deals_and_days(tmp_path: Path) -> None:
    files = {case: tmp_path / f"{case}.csv" for case in CASES}
    for case, path in files.items():
        write_deals(path, 200, case, seed=3)
    plain, dated, formatted = (_rows(files[c]) for c in CASES)
    assert plain[0] == COLUMNS and dated[0] == formatted[0] == [*COLUMNS, "Closing_Date"]
    assert [r[:5] for r in dated] == [r[:5] for r in formatted] == [r[:5] for r in plain]
    (deals,) = [m for m in standard_modules() if m.api_name == "Deals"]
    field = deals.field("Closing_Date")
    assert field is not None
    by_default, by_format = make_converter(field), make_converter(field, "dd.MM.yyyy")
    days = [by_default(r[5]) for r in dated[1:]]
    assert INVALID not in days
    assert days == [by_format(r[5]) for r in formatted[1:]]


def test_the_requests_map_the_date_as_each_case_says() -> None:
    closing = {
        case: next(m for m in job_body(case)("f")["resource"][0]["field_mappings"]
                   if m["api_name"] == "Closing_Date")
        for case in CASES
    }  # fmt: skip
    assert "index" not in closing["no_date"] and closing["no_date"]["default_value"]
    assert closing["date"] == {"api_name": "Closing_Date", "index": len(COLUMNS)}
    assert closing["date_format"]["format"] == "dd.MM.yyyy"
