"""One job per CSV dialect a real import meets: encodings, delimiters, quoting, line ends.

Every file is imported with no options (the dialect is detected) unless a test says otherwise,
and the result file is always UTF-8, comma-delimited (contract sections 5 and 7).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from bulkwrite.errors import DataInvalid
from tests.contract.harness import Harness, counts


def run(harness: Harness, data: bytes, module: str = "Leads", **top: Any) -> dict[str, Any]:
    file_id = harness.upload(data, "export.csv")
    resource = {"type": "data", "module": {"api_name": module}, "file_id": file_id}
    return harness.run({"operation": "insert", **top, "resource": [resource]})


def leads(harness: Harness, *columns: str) -> dict[object, dict[str, object]]:
    return {r["Last_Name"]: r for r in harness.records("Leads", "Last_Name", *columns)}


def test_a_spreadsheet_export_in_windows_1252_with_semicolons(harness: Harness) -> None:
    data = (
        "Last_Name;Company;City;Annual_Revenue\r\n"
        "Müller;Café € GmbH;Köln;1234.5\r\n"
        "Ñúñez;“Quoted” & Co;Málaga;\r\n"
    ).encode("cp1252")
    details = run(harness, data)
    assert details["status"] == "COMPLETED"
    assert details["character_encoding"] == "windows-1252"
    assert counts(details) == (2, 0, 0, 2)
    stored = leads(harness, "Company", "City", "Annual_Revenue")
    assert {k: v for k, v in stored["Müller"].items() if k != "id"} == {
        "Last_Name": "Müller",
        "Company": "Café € GmbH",
        "City": "Köln",
        "Annual_Revenue": 1234.5,
    }
    assert stored["Ñúñez"]["Company"] == "“Quoted” & Co"
    rows = harness.result_rows(details)  # read back as UTF-8 with commas
    assert [r["Last_Name"] for r in rows] == ["Müller", "Ñúñez"]
    assert list(rows[0])[:3] == ["Last_Name", "Company", "City"]


def test_utf8_with_a_bom_maps_its_first_header(harness: Harness) -> None:
    data = "\ufeffLast_Name,Company\nÅsa,Ørsted\n".encode()
    details = run(harness, data)
    assert details["character_encoding"] == "UTF-8"
    assert counts(details) == (1, 0, 0, 1)
    assert details["resource"][0]["field_mappings"][0]["api_name"] == "Last_Name"
    assert leads(harness, "Company")["Åsa"]["Company"] == "Ørsted"
    assert next(iter(harness.result_rows(details)[0])) == "Last_Name"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom(harness: Harness, codec: str) -> None:
    text = "Last_Name\tCompany\r\nŁódź-Ægir\t日本株式会社\r\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    details = run(harness, bom + text.encode(codec))
    assert details["status"] == "COMPLETED", details
    assert details["character_encoding"] == "UTF-16"
    assert leads(harness, "Company")["Łódź-Ægir"]["Company"] == "日本株式会社"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", ":"])
def test_each_delimiter_is_detected(harness: Harness, delimiter: str) -> None:
    header = delimiter.join(["Last_Name", "Company", "Description"])
    row = delimiter.join(["Doe", "Acme", '"has , ; | : and tab\tinside"'])
    details = run(harness, f"{header}\n{row}\n".encode())
    assert counts(details) == (1, 0, 0, 1)
    assert leads(harness, "Description")["Doe"]["Description"] == "has , ; | : and tab\tinside"


def test_quoted_fields_with_embedded_newlines_and_quotes(harness: Harness) -> None:
    data = (
        b"Last_Name,Company,Description\r\n"
        b'Doe,Acme,"first line\r\nsecond line\nthird ""quoted"" line"\r\n'
        b'"Multi\nName",Globex,plain\r\n'
    )
    details = run(harness, data)
    assert counts(details) == (2, 0, 0, 2)
    stored = leads(harness, "Description")
    assert stored["Doe"]["Description"] == 'first line\r\nsecond line\nthird "quoted" line'
    assert "Multi\nName" in stored
    rows = harness.result_rows(details)
    assert [r["Last_Name"] for r in rows] == ["Doe", "Multi\nName"]
    assert rows[0]["Description"] == 'first line\r\nsecond line\nthird "quoted" line'


def test_old_mac_cr_only_line_ends(harness: Harness) -> None:
    data = b"Last_Name,Company\rA,Co\rB,Co\r\rC,Co"
    details = run(harness, data)
    assert counts(details) == (3, 0, 0, 3)
    assert sorted(leads(harness)) == ["A", "B", "C"]


def test_an_explicit_character_encoding_wins_over_detection(harness: Harness) -> None:
    data = "Last_Name,Company\nCafé,Acme\n".encode()  # valid UTF-8, read as Latin-1
    details = run(harness, data, character_encoding="ISO-8859-1")
    assert details["character_encoding"] == "ISO-8859-1"
    assert "CafÃ©" in leads(harness)


def test_explicit_windows_1252_reads_what_detection_would_call_utf8(harness: Harness) -> None:
    data = "Last_Name,Company\nCafé Crème,Acme\n".encode()  # valid UTF-8
    details = run(harness, data, character_encoding="windows-1252")
    assert details["character_encoding"] == "windows-1252"
    assert counts(details) == (1, 0, 0, 1)
    assert list(leads(harness)) == ["CafÃ© CrÃ¨me"]


def test_explicit_utf8_on_a_windows_1252_file_is_refused_at_create(harness: Harness) -> None:
    with pytest.raises(DataInvalid) as caught:
        run(
            harness, "Last_Name,Company\nMüller,Acme\n".encode("cp1252"), character_encoding="UTF-8"
        )
    assert caught.value.details == {
        "api_name": "character_encoding",
        "json_path": "$.character_encoding",
    }


def test_a_zipped_windows_1252_file(harness: Harness) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "Leads Export.csv", "Last_Name;Company\r\nGärtner;Bäckerei\r\n".encode("cp1252")
        )
    details = run(harness, buffer.getvalue())
    assert details["character_encoding"] == "windows-1252"
    assert details["resource"][0]["file"]["name"] == "Leads Export.csv"
    assert leads(harness, "Company")["Gärtner"]["Company"] == "Bäckerei"


def test_blank_lines_and_spaces_around_headers(harness: Harness) -> None:
    data = b"\r\n Last_Name , Company \r\n\r\nA,Co\r\n   \r\nB,Co\r\n"
    details = run(harness, data)
    assert counts(details) == (2, 0, 0, 2)
    assert [m["api_name"] for m in details["resource"][0]["field_mappings"]] == [
        "Last_Name",
        "Company",
    ]
