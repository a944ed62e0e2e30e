"""The native reader (polars, ``fastcsv``) gives exactly the csv module's chunks and errors.

``CsvSource.chunks`` (the csv module) is the reference; ``CsvSource.raw_chunks`` must agree with
it on every input — well-formed or not, in one block or many — row for row, cell for cell, and on
the error that ends the rows (its message names the row and the byte offset).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkwrite.errors import BulkWriteError
from bulkwrite.files import fastcsv
from bulkwrite.files.csvsource import CsvDialect, CsvSource
from bulkwrite.files.fastcsv import FIELD_LIMIT

Outcome = tuple[list[list[list[str]]], str | None]


def reference(path: Path, dialect: CsvDialect, size: int, skip: int) -> Outcome:
    chunks: list[list[list[str]]] = []
    with CsvSource(path, dialect) as source:
        width = len(source.header)
        try:
            for rows in source.chunks(size, skip):
                chunks.append([(r + [""] * width)[:width] for r in rows])
        except BulkWriteError as exc:
            return chunks, exc.message
    return chunks, None


def native(path: Path, dialect: CsvDialect, size: int, skip: int) -> Outcome:
    chunks: list[list[list[str]]] = []
    with CsvSource(path, dialect) as source:
        try:
            for raw in source.raw_chunks(size, len(source.header), skip):
                columns = (c.to_list() for c in raw.columns)
                chunks.append([list(row) for row in zip(*columns, strict=True)])
        except BulkWriteError as exc:
            return chunks, exc.message
    return chunks, None


def extra_flags(path: Path, dialect: CsvDialect) -> list[bool]:
    with CsvSource(path, dialect) as source:
        return [f for raw in source.raw_chunks(100, len(source.header)) for f in raw.extra]


UTF8 = CsvDialect("utf-8", ",")


def agree(path: Path, dialect: CsvDialect = UTF8, size: int = 3) -> Outcome:
    for skip in (0, 2):
        expected = reference(path, dialect, size, skip)
        assert native(path, dialect, size, skip) == expected
    return reference(path, dialect, size, 0)


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few bytes, so records and quoted fields straddle block ends."""
    monkeypatch.setattr(fastcsv, "BLOCK_SIZE", 7)


PIECES = [
    "a", "bc", " ", "\t", ",", ";", '"', '""', "\n", "\r\n", "\r", "é", "株", "\x1c", "\x00",
]  # fmt: skip


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.lists(st.sampled_from(PIECES), max_size=60),
    bad=st.sampled_from([b"", b"\xff", b"\xc3"]),
    at=st.integers(0, 60),
    block=st.sampled_from([5, 13, 4096]),
    delimiter=st.sampled_from([",", ";"]),
)
def test_any_input_reads_the_same(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    body: list[str],
    bad: bytes,
    at: int,
    block: int,
    delimiter: str,
) -> None:
    monkeypatch.setattr(fastcsv, "BLOCK_SIZE", block)
    data = "".join(body).encode()
    data = data[:at] + bad + data[at:]
    path = tmp_path / "any.csv"
    path.write_bytes(f"h1{delimiter}h2{delimiter}h3\n".encode() + data)
    agree(path, CsvDialect("utf-8", delimiter), size=2)


def test_a_well_formed_file_is_read_natively_across_blocks(
    tmp_path: Path, tiny_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("read by the csv module")

    monkeypatch.setattr(CsvSource, "_slow_frames", refuse)
    rows = ['a,"b,1","c""q"""', '"multi\r\nline",,', "", "x,y,z", '  ,"",', "ä,ö,株"]
    path = tmp_path / "ok.csv"
    path.write_bytes(("h1,h2,h3\r\n" + "\r\n".join(rows) + "\r\n").encode())
    chunks, error = agree(path)
    assert error is None
    assert chunks == [
        [["a", "b,1", 'c"q"'], ["multi\r\nline", "", ""], ["x", "y", "z"]],
        [["ä", "ö", "株"]],
    ]


def test_a_stray_quote_hands_the_rest_to_the_csv_module(tmp_path: Path, tiny_blocks: None) -> None:
    path = tmp_path / "stray.csv"
    path.write_bytes(b'h1,h2\n1,2\n3,4\nab"c,5\n"x"y,6\n7,8\n')
    chunks, error = agree(path)
    assert error is None
    assert chunks == [[["1", "2"], ["3", "4"], ['ab"c', "5"]], [["xy", "6"], ["7", "8"]]]


def test_bad_utf8_ends_the_rows_at_its_row_with_its_offset(
    tmp_path: Path, tiny_blocks: None
) -> None:
    head = b"h1,h2\n" + b"a,b\n" * 4
    path = tmp_path / "bad.csv"
    path.write_bytes(head + b"c,\xff\n" + b"d,e\n")
    chunks, error = agree(path)
    assert len(chunks) == 1  # the whole chunk before the bad row, not the rows after it
    assert error == f"The file is not valid utf-8 text (byte offset {len(head) + 2}, data row 5)."


def test_more_cells_than_the_header_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(b"h1,h2\n1,2\n3,4,\n5,6,7\n8,9\n")
    agree(path)
    assert extra_flags(path, UTF8) == [False, False, True, False]


def test_a_bom_and_a_last_line_without_its_end(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"\n\nh1,h2\n1,2\n3,4")
    chunks, _ = agree(path, CsvDialect("utf-8-sig", ","))
    assert chunks == [[["1", "2"], ["3", "4"]]]


def test_a_field_over_the_limit_is_refused_as_by_the_csv_module(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"h1,h2\n1,2\n" + b"x," + b"y" * (FIELD_LIMIT + 1) + b"\n")
    chunks, error = agree(path, size=1)
    assert chunks == [[["1", "2"]]]
    assert error is not None and "data row 2" in error and "field larger" in error


def test_other_encodings_are_read_by_the_csv_module(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("h1,h2\nMüller,1\n".encode("latin-1"))
    chunks, error = agree(path, CsvDialect("latin-1", ","))
    assert (chunks, error) == ([[["Müller", "1"]]], None)
