"""Rows counted from byte positions (``fastcount``) are the rows the job's reader reads.

The reference is ``CsvSource.rows()`` (the csv module), as in ``test_fastcsv``: on every input the
fast count is either the reader's count or no count at all, and then ``count_data_rows`` counts
with the reader. The fixed cases show that the fast count is taken where it should be (so the
property cannot hold by never counting) and left where it must be.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkwrite.files import fastcount
from bulkwrite.files.csvsource import CsvDialect, native_start
from bulkwrite.files.rowcount import count_data_rows
from tests.unit.reading import reader_count


def fast_count(path: Path, dialect: CsvDialect) -> int | None:
    with path.open("rb") as raw:
        start = native_start(raw, dialect)
        return None if start is None else fastcount.count_records(raw, start, dialect.delimiter)


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    return path


UTF8 = CsvDialect("utf-8", ",")

PIECES = [
    "a", "bc", " ", "\t", ",", ";", '"', '""', "\n", "\r\n", "\r", "é", "株", "あ", "\xa0",
    "\u3000", "\u2028", "\x85", "\x1c", "\x0b", "\x01", "\x00",
]  # fmt: skip


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.lists(st.sampled_from(PIECES), max_size=80),
    bad=st.sampled_from([b"", b"\xff", b"\xc3", b"\xe3\x80"]),
    at=st.integers(0, 80),
    block=st.sampled_from([3, 8, 21, 4096]),
    delimiter=st.sampled_from([",", ";"]),
)
def test_any_input_counts_as_the_reader_reads_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    body: list[str],
    bad: bytes,
    at: int,
    block: int,
    delimiter: str,
) -> None:
    monkeypatch.setattr(fastcount, "BLOCK_SIZE", block)
    data = "".join(body).encode()
    path = write(tmp_path, f"h1{delimiter}h2\n".encode() + data[:at] + bad + data[at:])
    dialect = CsvDialect("utf-8", delimiter)
    expected = reader_count(path, dialect)
    fast = fast_count(path, dialect)
    assert fast is None or fast == expected
    if expected is not None:
        assert count_data_rows(path, dialect) == expected


def _joined(pieces: list[str]) -> str:
    return "".join(pieces)


TEXT = st.lists(st.sampled_from(["a", " ", "\t", "é", "あ", "\xa0", "\u3000", "\x1c", "\x01"]))
QUOTED = st.lists(st.sampled_from(["a", " ", ",", ";", '""', "\n", "\r\n", "\r", "あ", "\xa0"]))
CELL = st.one_of(TEXT.map(_joined), QUOTED.map(lambda pieces: f'"{_joined(pieces)}"'))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(st.lists(CELL, min_size=1, max_size=4), max_size=30),
    ends=st.sampled_from(["\n", "\r\n"]),
    block=st.sampled_from([3, 8, 21, 4096]),
    delimiter=st.sampled_from([",", ";"]),
)
def test_well_formed_records_are_counted_as_the_reader_reads_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    records: list[list[str]],
    ends: str,
    block: int,
    delimiter: str,
) -> None:
    monkeypatch.setattr(fastcount, "BLOCK_SIZE", block)
    monkeypatch.setattr(fastcount, "OPEN_MIN", 1000)  # every record left open is read here
    text = "".join(delimiter.join(cells) + ends for cells in [["h1", "h2"], *records])
    path = write(tmp_path, text.encode())
    dialect = CsvDialect("utf-8", delimiter)
    assert fast_count(path, dialect) == reader_count(path, dialect)


@pytest.mark.parametrize("block", [4, 16, fastcount.BLOCK_SIZE])
def test_a_well_formed_file_is_counted_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(fastcount, "BLOCK_SIZE", block)
    rows = [
        'a,"b,1","c""q"""',  # quoted delimiter and doubled quotes
        '"multi\r\nline",,',  # a quoted CRLF inside its row
        "",  # blank line
        '  ,"",',  # blank cells, one of them quoted
        ",,",
        "\xa0,\u3000",  # Unicode whitespace only: blank
        '"""",',  # a cell holding one quote: not blank
        '","',  # a cell holding the delimiter: not blank
        "あ,い",  # kana only: not blank
        "ä,ö,株",
        "x,y,z",
    ]
    path = write(tmp_path, ("h1,h2,h3\r\n" + "\r\n".join(rows) + "\r\n").encode())
    assert fast_count(path, UTF8) == reader_count(path, UTF8) == 7


def test_the_last_row_may_lack_its_end_and_a_bom_is_no_row(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfh1,h2\n1,2\n\n3,4")
    dialect = CsvDialect("utf-8-sig", ",")
    assert fast_count(path, dialect) == reader_count(path, dialect) == 2


@pytest.mark.parametrize(
    "data",
    [
        b'h\n1\nab"c\n2\n',  # a stray quote in an unquoted field
        b'h\n"x"y\n',  # text after a closing quote
        b"h\n1\r2\n",  # a lone CR outside quotes
        b"h\n1\x002\n",  # a NUL
        b"h\n\xff\n",  # not UTF-8
        b'h\n1\n"never closed\n2\n',  # a quote still open at the end
    ],
)
def test_what_the_reader_reads_otherwise_is_not_counted_here(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, data)
    assert fast_count(path, UTF8) is None
    expected = reader_count(path, UTF8)
    if expected is not None:
        assert count_data_rows(path, UTF8) == expected


def test_a_record_longer_than_a_block_is_carried_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastcount, "BLOCK_SIZE", 8)
    long = '"' + "x\n" * 50 + '"'
    path = write(tmp_path, f"h1,h2\n1,{long}\n2,3\n".encode())
    assert fast_count(path, UTF8) == reader_count(path, UTF8) == 2


def test_many_rows_the_probe_cannot_decide_go_to_the_reader(tmp_path: Path) -> None:
    kana = "あ,い\n" * (fastcount.OPEN_MIN + 1)
    path = write(tmp_path, ("h1,h2\n" + kana).encode())
    assert fast_count(path, UTF8) is None
    assert count_data_rows(path, UTF8) == fastcount.OPEN_MIN + 1


def test_other_codecs_are_left_to_the_reader(tmp_path: Path) -> None:
    path = write(tmp_path, "h\n\xe9\n".encode("cp1252"))
    assert fast_count(path, CsvDialect("cp1252", ",")) is None
    assert count_data_rows(path, CsvDialect("cp1252", ",")) == 1


def test_a_record_still_open_past_the_tail_limit_goes_to_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastcount, "BLOCK_SIZE", 16)
    monkeypatch.setattr(fastcount, "TAIL_LIMIT", 64)
    path = write(tmp_path, ('h1,h2\n1,"' + "x" * 200 + '"\n2,3\n').encode())
    assert fast_count(path, UTF8) is None
    assert count_data_rows(path, UTF8) == reader_count(path, UTF8) == 2
