"""Data rows counted at upload (``files/rowcount.py``), as the job's reader counts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkwrite.files.csvsource import CsvSource, detect_dialect
from bulkwrite.files.rowcount import count_upload


def _rows_read(path: Path, hint: str) -> int:
    with CsvSource(path, detect_dialect(path, None, hint)) as source:
        return sum(1 for _ in source.rows())


@pytest.mark.parametrize(
    ("data", "hint", "rows", "delimiter"),
    [
        (b'a,b\r\n\r\n1,"x\ny"\r\n , \n"",""\n2,\n\n', "utf-8", 2, ","),
        (b'a;b\n1;"x;\n\ny"\n2;"q ""w"" e"\n', "utf-8", 2, ";"),
        ('a\tb\n\xe9\t"1\n2"\n'.encode("cp1252"), "cp1252", 1, "\t"),
        ("a,b\n1,2\n\n3,4".encode("utf-16"), "utf-16", 2, ","),
        (b"a,b\n", "utf-8", 0, ","),
        (b'a,b\n1,"never closed\n2,3\n', "utf-8", None, ","),
    ],
)
def test_rows_are_counted_as_the_reader_reads_them(
    tmp_path: Path, data: bytes, hint: str, rows: int | None, delimiter: str
) -> None:
    path = tmp_path / "up.csv"
    path.write_bytes(data)
    counted = count_upload(path, hint)
    assert counted is not None
    assert counted.rows == _rows_read(path, hint)
    if rows is not None:
        assert counted.rows == rows
    assert counted.delimiter == delimiter


def test_a_file_that_is_no_csv_has_no_count(tmp_path: Path) -> None:
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\n\n \n")
    assert count_upload(blank, "utf-8") is None
