"""``bulkwrite import``'s pure parts: option parsing, the local CSV, the error report, progress."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from bulkwrite.cli.common import InputError, connect
from bulkwrite.cli.csvfile import LocalCsv, pack_csv
from bulkwrite.cli.mapping import MappingOptions, build_mappings
from bulkwrite.cli.progress import JobProgress
from bulkwrite.cli.report import error_stats, parse_errors, split_columns
from bulkwrite.client import FieldMap, JobDetails

HEADER = ["Name", "Close", "Amount", "Account_Name.id", "Name2", "name2"]


def mappings(
    maps: list[str], formats: list[str] | None = None, defaults: list[str] | None = None
) -> list[FieldMap] | None:
    return build_mappings(MappingOptions.parse(maps, formats or [], defaults or []), HEADER)


def test_no_options_send_no_mappings() -> None:
    assert mappings([]) is None


def test_map_by_header_name_index_and_lookup_with_formats_and_defaults() -> None:
    got = mappings(
        ["Name=Deal_Name", "1=Closing_Date", "AMOUNT=Amount", "3=Account_Name.id"],
        ["Closing_Date=yyyy-MM-dd", "Amount=#,##0.00"],
        ["Stage=Qualification", "Amount=0", "Note=a=b"],
    )
    assert got == [
        FieldMap("Deal_Name", index=0),
        FieldMap("Closing_Date", index=1, format="yyyy-MM-dd"),
        FieldMap("Amount", index=2, format="#,##0.00", default="0"),
        FieldMap("Account_Name", index=3, find_by="id"),
        FieldMap("Stage", default="Qualification"),
        FieldMap("Note", default="a=b"),
    ]


def test_format_or_default_alone_maps_every_column_by_its_header() -> None:
    got = build_mappings(
        MappingOptions.parse([], ["Closing_Date=dd.MM.yyyy"], ["Stage=Qualification"]),
        ["Deal_Name", "Closing_Date", "", "Account_Name.Account_Name"],
    )
    assert got == [
        FieldMap("Deal_Name", index=0),
        FieldMap("Closing_Date", index=1, format="dd.MM.yyyy"),
        FieldMap("Account_Name", index=3, find_by="Account_Name"),
        FieldMap("Stage", default="Qualification"),
    ]


@pytest.mark.parametrize(
    ("maps", "formats", "defaults", "message"),
    [
        (["Name"], [], [], "--map 'Name': expected COL=Field"),
        (["Name="], [], [], "--map 'Name=': expected COL=Field"),
        ([" =Deal_Name"], [], [], "--map ' =Deal_Name': expected COL=Field"),
        (["Name=.id"], [], [], "--map 'Name=.id': expected COL=Field"),
        (["Missing=X"], [], [], "--map 'Missing=X': the file has no column 'Missing'"),
        (["6=X"], [], [], "--map '6=X': column index 6 is beyond the header's 6 columns (0 to 5)"),
        (["-1=X"], [], [], "--map '-1=X': a column index is 0 or more"),
        (["NAME2=X"], [], [], "--map 'NAME2=X': 2 columns are named 'NAME2'; use an index"),
        ([], ["Closing_Date"], [], "--format 'Closing_Date': expected Field=PATTERN"),
        ([], [], ["Stage="], "--default 'Stage=': expected Field=VALUE"),
        (
            ["Name=Deal_Name"],
            ["Amount=#"],
            [],
            "--format 'Amount=#': no column is mapped to Amount",
        ),
    ],
)
def test_malformed_options_name_the_problem(
    maps: list[str], formats: list[str], defaults: list[str], message: str
) -> None:
    with pytest.raises(InputError) as caught:
        mappings(maps, formats, defaults)
    assert str(caught.value) == message


def test_exact_header_names_win_over_case_insensitive_ones() -> None:
    assert mappings(["name2=X"]) == [FieldMap("X", index=5)]


@pytest.mark.parametrize(
    ("content", "rows", "header", "encoding"),
    [
        (b"a,b\n1,2\n3,4\n", 2, ["a", "b"], "utf-8"),
        (b"\n\na;b\r\n1;2\r\n\r\n ; \r\n3;4", 2, ["a", "b"], "utf-8"),  # blank records skipped
        (b'"a\nx",b\n"1\n2",3\n', 1, ["a\nx", "b"], "utf-8"),  # a quoted newline is one row
        (b"\xef\xbb\xbfa,b\n1,2\n", 1, ["a", "b"], "utf-8-sig"),
        (b"a\tb\ncaf\xe9\t1\n", 1, ["a", "b"], "cp1252"),
        ("a|b\n1|2\n".encode("utf-16"), 1, ["a", "b"], "utf-16"),
        (b"a,b\n", 0, ["a", "b"], "utf-8"),
    ],
)
def test_pack_csv_zips_the_file_and_counts_its_data_rows(
    tmp_path: Path, content: bytes, rows: int, header: list[str], encoding: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    packed = io.BytesIO()
    local = pack_csv(source, packed, None)
    assert (local.rows, local.header, local.encoding) == (rows, header, encoding)
    with zipfile.ZipFile(packed) as archive:
        assert archive.namelist() == ["in.csv"]
        assert archive.read("in.csv") == content


def test_pack_csv_uses_the_given_encoding(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("Név,Ár\nÉva,1\n".encode("iso-8859-2"))
    local = pack_csv(source, io.BytesIO(), "ISO-8859-2")
    assert local == LocalCsv(source, ["Név", "Ár"], 1, "iso8859-2", ",", name="in.csv")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "pic.png",
            b"\x89PNG\r\n\x1a\n" + bytes(100),
            "pic.png is not a CSV file (binary content)",
        ),
        ("blob.csv", b"a,b\n\x00\x01\x02", "blob.csv is not a CSV file (binary content)"),
        (
            "big.bin",
            b"a" * 60_000 + b"\x00" + b"a" * 10_000,
            "big.bin is not a CSV file (binary content)",
        ),
        ("empty.csv", b"", "empty.csv is empty"),
        ("blank.csv", b" \r\n\r\n", "blank.csv is empty"),
        (
            "in.zip",
            b"PK\x03\x04" + bytes(40),
            "in.zip: The zip file is corrupt: File is not a zip file",
        ),
    ],
)
def test_pack_csv_refuses_what_is_not_a_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(content)
    with pytest.raises(InputError) as caught:
        pack_csv(Path(name), io.BytesIO(), None)
    assert str(caught.value) == message


def test_pack_csv_names_missing_files_directories_and_unknown_encodings(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^no such file: "):
        pack_csv(tmp_path / "nope.csv", io.BytesIO(), None)
    with pytest.raises(InputError, match=r"^not a file: "):
        pack_csv(tmp_path, io.BytesIO(), None)
    (tmp_path / "a.csv").write_bytes(b"a\n1\n")
    with pytest.raises(InputError, match=r"^--encoding 'klingon': unknown character encoding$"):
        pack_csv(tmp_path / "a.csv", io.BytesIO(), "klingon")


@pytest.mark.parametrize(
    ("cell", "groups"),
    [
        ("", []),
        ("MANDATORY_NOT_FOUND-Stage", [("MANDATORY_NOT_FOUND", "Stage")]),
        (
            "MANDATORY_NOT_FOUND-Company,Last_Name:INVALID_DATA-Email",
            [("MANDATORY_NOT_FOUND", "Company,Last_Name"), ("INVALID_DATA", "Email")],
        ),
        ("INVALID_DATA-E-mail, work", [("INVALID_DATA", "E-mail, work")]),
        (
            "INVALID_DATA-Time: start:DUPLICATE_DATA-Id",
            [("INVALID_DATA", "Time: start"), ("DUPLICATE_DATA", "Id")],
        ),
    ],
)
def test_parse_errors(cell: str, groups: list[tuple[str, str]]) -> None:
    assert parse_errors(cell) == groups


def test_error_stats_count_rows_per_code_with_example_rows(tmp_path: Path) -> None:
    lines = ["Deal_Name,STATUS,RECORD_ID,ERRORS"]
    for n in range(1, 11):
        errors = "MANDATORY_NOT_FOUND-Stage" if n % 3 == 0 else ""
        if n in (2, 9):
            errors = ":".join(filter(None, [errors, "INVALID_DATA-Amount,Closing_Date"]))
        status = "SKIPPED" if errors else "ADDED"
        lines.append(f'd{n},{status},{"" if errors else "1"},"{errors}"')
    result = tmp_path / "r.csv"
    result.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    stats = error_stats(result)
    assert [(s.code, s.rows, s.examples) for s in stats] == [
        ("MANDATORY_NOT_FOUND", 3, [3, 6, 9]),
        ("INVALID_DATA", 2, [2, 9]),
    ]
    assert dict(stats[1].columns) == {"Amount": 2, "Closing_Date": 2}


def test_error_stats_name_each_column_once_and_keep_commas_of_known_headers(
    tmp_path: Path,
) -> None:
    lines = ["Event,STATUS,RECORD_ID,ERRORS"]
    lines += [
        'a,SKIPPED,,"INVALID_DATA-Event_Date"',
        'b,SKIPPED,,"INVALID_DATA-Attendees,Event_Date"',
    ]
    lines += ['c,SKIPPED,,"MANDATORY_NOT_FOUND-City, State,Zip"']
    result = tmp_path / "r.csv"
    result.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    stats = error_stats(result, ["Event_Date", "Attendees", "City, State", "Zip"])
    assert dict(stats[0].columns) == {"Event_Date": 2, "Attendees": 1}
    assert dict(stats[1].columns) == {"City, State": 1, "Zip": 1}
    assert split_columns("a,b,c", {"b,c"}) == ["a", "b,c"]


def test_progress_shows_rows_done_of_total_and_the_tallies() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=160)
    file = {"added_count": 5, "updated_count": 1, "skipped_count": 2, "total_count": 8}
    with JobProgress(console, 20, "deals.csv") as progress:
        progress.update(JobDetails({"id": "1", "status": "ADDED", "resource": [{"file": {}}]}))
        progress.update(
            JobDetails({"id": "1", "status": "INPROGRESS", "resource": [{"file": file}]})
        )
    text = out.getvalue()
    assert "deals.csv importing" in text and "8/20 rows" in text
    assert "\n  added 5  updated 1  skipped 2" in text

    quiet = io.StringIO()
    with JobProgress(Console(file=quiet), 20, "deals.csv", enabled=False) as progress:
        progress.update(
            JobDetails({"id": "1", "status": "COMPLETED", "resource": [{"file": file}]})
        )
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("server", ["http://", "localhost:8000", "ftp://host", "http://exa mple:x"])
def test_connect_wants_an_http_url_and_a_token(server: str) -> None:
    with pytest.raises(InputError, match=r"^--server .*: expected an http:// or https:// URL$"):
        connect(server, "1000.token")
    with pytest.raises(InputError, match=r"^no access token: pass --token or set BULKWRITE_TOKEN"):
        connect("http://127.0.0.1:8000", None)
