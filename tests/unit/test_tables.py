"""Files people import: gzip, TSV and text, spreadsheets (.xlsx, .ods) stored as one CSV."""

from __future__ import annotations

import gzip
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from bulkwrite.errors import FileFormatInvalid, FileTooLarge
from bulkwrite.files.tables import Kind, cell_text, sheet_to_csv, sniff, stored_name
from bulkwrite.files.upload_files import StoredUpload, adopt_upload, store_upload
from tests.sheets import write_ods, write_xlsx

ROWS = [
    ["Deal_Name", "Closing_Date", "Kickoff", "Amount", "Probability", "Won"],
    ["Acme", date(2026, 12, 31), datetime(2026, 1, 2, 3, 4, 5), 1234.5, 40, True],
    ["Globex, Inc.", None, None, 0.0000001, 12000, False],
]
CSV = (
    "Deal_Name,Closing_Date,Kickoff,Amount,Probability,Won\r\n"
    "Acme,12/31/2026,01/02/2026 03:04:05,1234.5,40,true\r\n"
    '"Globex, Inc.",,,0.0000001,12000,false\r\n'
)


def store(tmp_path: Path, payload: bytes, name: str, max_bytes: int = 10**8) -> StoredUpload:
    return store_upload(io.BytesIO(payload), name, tmp_path / "u.csv", tmp_path / "tmp", max_bytes)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""), ("", ""), ("text", "text"), (True, "true"), (False, "false"),
        (12000.0, "12000"), (1234.5, "1234.5"), (0.25, "0.25"), (1e-7, "0.0000001"),
        (1.5e16, "15000000000000000"), (-3.0, "-3"), (7, "7"),
        (date(2026, 2, 3), "02/03/2026"), (datetime(2026, 2, 3, 4, 5, 6), "02/03/2026 04:05:06"),
        (time(7, 8, 9), "07:08:09"), (timedelta(hours=30), "1 day, 6:00:00"),
    ],
)  # fmt: skip
def test_cells_become_text_as_the_spreadsheet_types_them(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize("writer", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_a_spreadsheet_is_sniffed_and_its_first_sheet_written_as_csv(
    tmp_path: Path, writer: object
) -> None:
    path = writer(tmp_path / "deals.sheet", ROWS)  # type: ignore[operator]
    out = io.StringIO()
    with path.open("rb") as source:
        assert sniff(source) is (Kind.XLSX if writer is write_xlsx else Kind.ODS)
        assert sheet_to_csv(source, out) == ("Data", 3)
    assert out.getvalue() == CSV


def test_another_sheet_by_name_and_an_unknown_one(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "two.xlsx", ROWS, sheets=["Other"])
    out = io.StringIO()
    with path.open("rb") as source:
        assert sheet_to_csv(source, out, "Other") == ("Other", 1)
        assert out.getvalue() == "Other only\r\n"
        with pytest.raises(FileFormatInvalid, match="no sheet 'Nope'; its sheets: 'Data', 'Other'"):
            sheet_to_csv(source, io.StringIO(), "Nope")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"a,b\n", Kind.TEXT),
        (gzip.compress(b"a,b\n", mtime=0), Kind.GZIP),
        (b"PK\x03\x04junk", Kind.ZIP),
    ],
)
def test_sniff_by_content(head: bytes, kind: Kind) -> None:
    source = io.BytesIO(head)
    assert sniff(source) is kind
    assert source.tell() == 0


@pytest.mark.parametrize(
    ("name", "kind", "stored"),
    [("Deals.xlsx", Kind.XLSX, "Deals.csv"), ("Deals.ODS", Kind.ODS, "Deals.csv"),
     ("Deals.csv.gz", Kind.GZIP, "Deals.csv"), ("Deals.tsv.gz", Kind.GZIP, "Deals.tsv"),
     ("Deals.tsv", Kind.TEXT, "Deals.tsv")],
)  # fmt: skip
def test_stored_name(name: str, kind: Kind, stored: str) -> None:
    assert stored_name(name, kind) == stored


@pytest.mark.parametrize("writer", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_an_uploaded_spreadsheet_is_stored_as_utf8_csv(tmp_path: Path, writer: object) -> None:
    path = writer(tmp_path / "deals.bin", ROWS)  # type: ignore[operator]
    stored = store(tmp_path, path.read_bytes(), "Q4 deals.xlsx")
    assert (stored.name, stored.encoding_hint) == ("Q4 deals.csv", "utf-8")
    assert stored.path.read_bytes().decode() == CSV
    assert stored.size == len(CSV.encode())


def test_a_spreadsheet_on_disk_is_adopted_as_csv(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    path = write_xlsx(tmp_path / "tmp" / "part.upload", ROWS)
    stored = adopt_upload(path, "deals.xlsx", tmp_path / "u.csv", tmp_path / "tmp", 10**8)
    assert stored.path.read_bytes().decode() == CSV


def test_an_empty_sheet_and_a_sheet_over_the_limit_are_refused(tmp_path: Path) -> None:
    empty = write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(FileFormatInvalid, match="sheet is empty"):
        store(tmp_path, empty.read_bytes(), "empty.xlsx")
    full = write_xlsx(tmp_path / "full.xlsx", ROWS)
    with pytest.raises(FileTooLarge):
        store(tmp_path, full.read_bytes(), "full.xlsx", max_bytes=20)
    assert not (tmp_path / "u.csv").exists()


def test_a_gzipped_csv_is_stored_inflated(tmp_path: Path) -> None:
    text = b"Deal_Name\tStage\nAcme\tQualification\n"
    stored = store(tmp_path, gzip.compress(text), "deals.tsv.gz")
    assert (stored.name, stored.path.read_bytes()) == ("deals.csv", text)


def test_a_corrupt_or_too_large_gzip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatInvalid, match="gzip file is corrupt"):
        store(tmp_path, gzip.compress(b"a,b\n1,2\n" * 100)[:30], "x.gz")
    with pytest.raises(FileTooLarge):
        store(tmp_path, gzip.compress(b"a,b\n" * 100), "x.gz", max_bytes=100)
    assert not (tmp_path / "u.csv").exists()
