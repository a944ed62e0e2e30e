"""Data rows counted at upload (``files/rowcount.py``), as the job's reader counts them: from the
stored file, and as the upload's bytes arrive (``UploadRows``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkwrite.domain.identity import RowCount
from bulkwrite.files import rowcount
from bulkwrite.files.csvsource import CsvDialect, CsvSource, detect_dialect
from bulkwrite.files.rowcount import StreamedCount, UploadRows, count_upload
from tests.unit.reading import feed_in_pieces, reader_count


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


PIECES = ["a", " ", ",", ";", '"', '""', "\n", "\r\n", "é", "あ", "\xa0", "\x00", "\ufeff"]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.sampled_from(["h1,h2\n", "h1;h2\r\n", "\ufeffh1,h2\n", "\n\n h,\n", ""]),
    body=st.lists(st.sampled_from(PIECES), max_size=60),
    cuts=st.lists(st.integers(0, 200), max_size=6),
    head=st.sampled_from([1, 7, 4096]),
    regular=st.booleans(),
)
def test_rows_counted_as_the_bytes_arrive_are_the_readers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    header: str,
    body: list[str],
    cuts: list[int],
    head: int,
    regular: bool,
) -> None:
    monkeypatch.setattr(rowcount, "STREAM_HEAD", head)
    if regular:  # no lone quote, no NUL: mostly counted as it arrives
        body = [piece for piece in body if piece not in ('"', "\x00")]
    data = (header + "".join(body)).encode()
    path = tmp_path / "up.csv"
    path.write_bytes(data)
    streamed = UploadRows()
    feed_in_pieces(streamed.feed, data, cuts)
    counted = streamed.finish()
    if counted is not None:
        assert counted.rows == reader_count(path, counted.dialect)


def test_a_well_formed_upload_is_counted_as_it_arrives(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbfa;b\r\n\r\n1;"x;\n\ny"\r\n ; \r\n2;\r\n'
    streamed = UploadRows()
    for byte in data:
        streamed.feed(bytes([byte]))
    counted = streamed.finish()
    assert counted == StreamedCount(CsvDialect("utf-8-sig", ";"), 2)
    path = tmp_path / "up.csv"
    path.write_bytes(data)
    assert counted.rows == reader_count(path, counted.dialect)


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04\x14\x00\x00\x00", "a,b\n\xe9,1\n".encode("cp1252"), b"\n \n", b""]
)
def test_what_is_no_utf8_csv_is_not_counted_as_it_arrives(data: bytes) -> None:
    streamed = UploadRows()
    streamed.feed(data)
    assert streamed.finish() is None


def test_a_streamed_count_is_taken_only_in_the_dialect_it_was_counted_in(tmp_path: Path) -> None:
    path = tmp_path / "up.csv"
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    # A count that no reader would give shows which one was taken.
    taken = count_upload(path, "utf-8", StreamedCount(CsvDialect("utf-8", ","), 41))
    assert taken == RowCount(41, "utf-8", ",")
    other = count_upload(path, "utf-8", StreamedCount(CsvDialect("utf-8", ";"), 41))
    assert other == RowCount(2, "utf-8", ",")
