"""Result files: UTF-8, CRLF, no BOM, minimal quoting, one entry in a zip written atomically."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulkwrite.files.result_zip import (
    RESULT_COLUMNS_TAIL,
    result_csv_header,
    result_csv_rows,
    write_result_zip,
)


def test_header_is_source_headers_then_the_tail() -> None:
    assert RESULT_COLUMNS_TAIL == ("STATUS", "RECORD_ID", "ERRORS")
    assert result_csv_header(["Last_Name", "E-mail, work"]) == (
        b'Last_Name,"E-mail, work",STATUS,RECORD_ID,ERRORS\r\n'
    )


def test_rows_are_minimally_quoted_utf8_with_crlf() -> None:
    rows = [
        ["Müller", "plain", "ADDED", "111", ""],
        ['say "hi"', "a,b", "SKIPPED", "", "MANDATORY_NOT_FOUND-Company,Last_Name"],
        ["two\nlines", " ", "UNPROCESSED", "", ""],
    ]
    assert (
        result_csv_rows(rows)
        == (
            "Müller,plain,ADDED,111,\r\n"
            '"say ""hi""","a,b",SKIPPED,,"MANDATORY_NOT_FOUND-Company,Last_Name"\r\n'
            '"two\nlines", ,UNPROCESSED,,\r\n'
        ).encode()
    )


def test_no_rows_is_no_bytes() -> None:
    assert result_csv_rows([]) == b""


def test_tuples_work_as_rows() -> None:
    assert result_csv_rows([("a", "b"), ("c", "d")]) == b"a,b\r\nc,d\r\n"


def read_entry(path: Path) -> tuple[zipfile.ZipInfo, bytes]:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert len(infos) == 1
        assert archive.testzip() is None
        return infos[0], archive.read(infos[0])


def test_round_trip(tmp_path: Path) -> None:
    header = result_csv_header(["Last_Name", "Email"])
    chunk1 = result_csv_rows([["Smith", "s@x.com", "ADDED", "1", ""]])
    chunk2 = result_csv_rows(
        [["Jones", "bad", "SKIPPED", "", "INVALID_DATA-Email"], ["Ünal", "", "UNPROCESSED", "", ""]]
    )
    dest = tmp_path / "results" / "job1.zip"
    write_result_zip(dest, "Leads-Leads.csv", iter([header, chunk1, chunk2]), tmp_path / "tmp")

    info, data = read_entry(dest)
    assert info.filename == "Leads-Leads.csv"
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.date_time[0] >= 2024
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\n") == data.count(b"\r\n") == 4
    assert data.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows == [
        ["Last_Name", "Email", "STATUS", "RECORD_ID", "ERRORS"],
        ["Smith", "s@x.com", "ADDED", "1", ""],
        ["Jones", "bad", "SKIPPED", "", "INVALID_DATA-Email"],
        ["Ünal", "", "UNPROCESSED", "", ""],
    ]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_an_existing_result_is_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "job1.zip"
    dest.write_bytes(b"old")
    write_result_zip(dest, "r.csv", [b"a,b\r\n"], tmp_path / "tmp")
    assert read_entry(dest)[1] == b"a,b\r\n"


def test_a_failure_mid_stream_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    dest = tmp_path / "job1.zip"
    dest.write_bytes(b"old")

    def parts() -> Iterator[bytes]:
        yield b"a,b\r\n"
        raise OSError("store went away")

    with pytest.raises(OSError, match="store went away"):
        write_result_zip(dest, "r.csv", parts(), tmp_path / "tmp")
    assert dest.read_bytes() == b"old"
    assert list((tmp_path / "tmp").iterdir()) == []


def test_parts_are_streamed_not_built_in_memory(tmp_path: Path) -> None:
    row = result_csv_rows(
        [[f"name {i}", f"user{i}@example.com", "ADDED", str(i), ""] for i in range(5000)]
    )

    def parts() -> Iterator[bytes]:
        yield result_csv_header(["Name", "Email"])
        for _ in range(100):  # ~20 MB of CSV
            yield row

    tracemalloc.start()
    try:
        write_result_zip(tmp_path / "big.zip", "big.csv", parts(), tmp_path / "tmp")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024
    info, _ = read_entry(tmp_path / "big.zip")
    assert info.file_size > 100 * len(row)


def test_compresslevel_is_honoured(tmp_path: Path) -> None:
    body = result_csv_rows(
        [[f"n{i}", f"u{i}@example.com", "ADDED", str(i), ""] for i in range(20_000)]
    )
    sizes = {}
    for level in (1, 9):
        dest = tmp_path / f"l{level}.zip"
        write_result_zip(dest, "r.csv", [body], tmp_path / "tmp", compresslevel=level)
        sizes[level] = dest.stat().st_size
        assert read_entry(dest)[1] == body
    assert sizes[9] < sizes[1]


def test_frame_rendering_matches_the_csv_module() -> None:
    import polars as pl

    from bulkwrite.files.result_zip import result_csv_frame

    cells = ["a", "", "x,y", 'q"q', "line\nb", "cr\rx", " sp ", "tab\tx", "é", '"', "\\"]
    rows = [[c, "ADDED", "", c] for c in cells]
    frame = pl.DataFrame({f"c{i}": [r[i] for r in rows] for i in range(4)})
    assert result_csv_frame(frame) == result_csv_rows(rows)
