"""Reading stored CSVs: dialect detection, line ends, quoting, resuming, bad text, big fields."""

from __future__ import annotations

import codecs
import io
import tracemalloc
from pathlib import Path

import pytest

from bulkwrite.errors import DataInvalid, FileFormatInvalid
from bulkwrite.files.csvsource import CsvDialect, CsvSource, detect_dialect, normalise_encoding
from bulkwrite.files.fastcsv import FIELD_LIMIT
from bulkwrite.files.textlines import TEXT_BLOCK_SIZE, TextDecodeFailure, iter_lines

UTF8 = CsvDialect("utf-8", ",")


def write(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path, dialect: CsvDialect = UTF8, skip: int = 0) -> list[list[str]]:
    with CsvSource(path, dialect) as source:
        return list(source.rows(skip))


# -- detect_dialect ------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", ":", "|", "\t"])
def test_each_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    header = delimiter.join(["Last_Name", "Email", "Company"])
    path = write(tmp_path, f"{header}\r\na{delimiter}b{delimiter}c\r\n".encode())
    assert detect_dialect(path, None, "utf-8") == CsvDialect("utf-8", delimiter)


def test_delimiters_inside_quotes_do_not_count(tmp_path: Path) -> None:
    path = write(tmp_path, b'"a;b;c","d;e"\n1,2\n')
    assert detect_dialect(path, None, "utf-8").delimiter == ","


def test_a_quoted_header_spanning_lines_is_read_whole(tmp_path: Path) -> None:
    path = write(tmp_path, b'"Na\nme";"E""mail";"x,y,z,w"\n1;2;3\n')
    assert detect_dialect(path, None, "utf-8").delimiter == ";"


def test_a_tie_goes_to_the_earlier_candidate(tmp_path: Path) -> None:
    path = write(tmp_path, b"a|b;c\n")
    assert detect_dialect(path, None, "utf-8").delimiter == ";"


def test_no_candidate_means_comma(tmp_path: Path) -> None:
    path = write(tmp_path, b"\r\n\r\nLast_Name\r\nSmith\r\n")
    assert detect_dialect(path, None, "utf-8").delimiter == ","


def test_leading_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, b"\n\n  \nA;B;C\n1,2;3\n")
    assert detect_dialect(path, None, "utf-8").delimiter == ";"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("UTF-8", "utf-8"),
        ("ISO-8859-1", "iso8859-1"),
        ("windows-1252", "cp1252"),
        ("Shift_JIS", "shift_jis"),
        ("utf8", "utf-8"),
    ],
)
def test_an_explicit_encoding_wins_over_the_hint(tmp_path: Path, given: str, expected: str) -> None:
    path = write(tmp_path, b"Name;City\nx;y\n")
    assert detect_dialect(path, given, "cp1252") == CsvDialect(expected, ";")


@pytest.mark.parametrize("given", ["no-such-codec", "rot13", "base64", "zlib"])
def test_an_unknown_or_non_text_encoding_is_a_lookup_error(tmp_path: Path, given: str) -> None:
    path = write(tmp_path, b"a,b\n")
    with pytest.raises(LookupError):
        detect_dialect(path, given, "utf-8")
    with pytest.raises(LookupError):
        normalise_encoding(given)


def test_a_bom_with_explicit_utf8_becomes_utf8_sig(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF8 + b"Last_Name,Email\nx,y\n")
    dialect = detect_dialect(path, "UTF-8", "utf-8-sig")
    assert dialect == CsvDialect("utf-8-sig", ",")
    with CsvSource(path, dialect) as source:
        assert source.header == ["Last_Name", "Email"]


def test_a_bom_with_explicit_utf16le_becomes_utf16(tmp_path: Path) -> None:
    path = write(tmp_path, "Name\tCity\nx\ty\n".encode("utf-16"))
    dialect = detect_dialect(path, "UTF-16LE", "utf-16")
    assert dialect == CsvDialect("utf-16", "\t")
    assert read_all(path, dialect) == [["x", "y"]]


def test_the_hint_is_used_without_an_explicit_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "Name;Ville\nCafé;Köln\n".encode("cp1252"))
    dialect = detect_dialect(path, None, "cp1252")
    assert dialect == CsvDialect("cp1252", ";")
    with CsvSource(path, dialect) as source:
        assert list(source.rows()) == [["Café", "Köln"]]


# -- CsvSource -----------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_line_ends_and_quoting(tmp_path: Path, end: str) -> None:
    text = end.join(
        [
            " Last_Name , Notes ,Email",
            'Smith,"line one' + end + 'line two",s@example.com',
            '"Jo, ""JJ"" Jones",,j@example.com',
            "Brown,x\u2028y\x0bz,b@example.com",
            "",
        ]
    )
    with CsvSource(write(tmp_path, text.encode()), UTF8) as source:
        assert source.header == ["Last_Name", "Notes", "Email"]
        assert list(source.rows()) == [
            ["Smith", "line one" + end + "line two", "s@example.com"],
            ['Jo, "JJ" Jones', "", "j@example.com"],
            ["Brown", "x\u2028y\x0bz", "b@example.com"],
        ]


def test_a_last_line_without_an_end_is_read(tmp_path: Path) -> None:
    assert read_all(write(tmp_path, b"a,b\n1,2\n3,4")) == [["1", "2"], ["3", "4"]]


def test_blank_lines_are_skipped_and_not_counted(tmp_path: Path) -> None:
    path = write(tmp_path, b"\r\n\r\na,b\r\n1,2\r\n\r\n,\r\n  \r\n3,4\r\n\r\n")
    with CsvSource(path, UTF8) as source:
        assert source.header == ["a", "b"]
        assert list(source.rows()) == [["1", "2"], ["3", "4"]]
        assert source.rows_read == 2


@pytest.mark.parametrize("skip", [0, 1, 2, 7, 49, 50, 51])
def test_skip_resumes_at_exactly_the_right_row(tmp_path: Path, skip: int) -> None:
    lines = ["n,v"]
    for i in range(50):
        lines.append(f'{i},"multi\nline {i}"' if i % 7 == 0 else f"{i},v{i}")
        if i % 5 == 0:
            lines.append("")
    path = write(tmp_path, ("\r\n".join(lines) + "\r\n").encode())
    everything = read_all(path)
    assert [row[0] for row in everything] == [str(i) for i in range(50)]
    assert read_all(path, skip=skip) == everything[skip:]


def test_chunks_group_rows(tmp_path: Path) -> None:
    body = "".join(f"{i},x\n" for i in range(10))
    path = write(tmp_path, ("a,b\n" + body).encode())
    with CsvSource(path, UTF8) as source:
        chunks = list(source.chunks(4, skip=1))
    assert [len(chunk) for chunk in chunks] == [4, 4, 1]
    assert chunks[0][0] == ["1", "x"]
    assert chunks[-1] == [["9", "x"]]


def test_rows_can_be_read_only_once(tmp_path: Path) -> None:
    with CsvSource(write(tmp_path, b"a\n1\n"), UTF8) as source:
        list(source.rows())
        with pytest.raises(RuntimeError):
            source.rows()


def test_invalid_utf8_is_data_invalid_at_its_row(tmp_path: Path) -> None:
    data = b"a,b\n1,x\n2,y\n3,caf\xe9\n4,z\n"
    with CsvSource(write(tmp_path, data), UTF8) as source:
        rows = source.rows()
        assert next(rows) == ["1", "x"]
        assert next(rows) == ["2", "y"]
        with pytest.raises(
            DataInvalid, match=r"not valid utf-8 text \(byte offset 17, data row 3\)"
        ):
            next(rows)
    assert data.index(b"\xe9") == 17


def test_invalid_utf8_past_the_first_block_reports_its_offset(tmp_path: Path) -> None:
    rows = b"".join(b"%07d,abc\n" % i for i in range(200_000))  # 2.4 MB
    data = b"n,v\n" + rows + b"x,\xff\n"
    with CsvSource(write(tmp_path, data), UTF8) as source:
        got = 0
        with pytest.raises(DataInvalid, match=f"byte offset {len(data) - 2}, data row 200001"):
            for _ in source.rows():
                got += 1
    assert got == 200_000


def test_invalid_bytes_in_the_header_fail_on_open(tmp_path: Path) -> None:
    with pytest.raises(DataInvalid, match="header row"):
        CsvSource(write(tmp_path, b"Caf\xe9,b\n1,2\n"), UTF8)


def test_truncated_utf16_is_data_invalid(tmp_path: Path) -> None:
    data = "a,b\n1,2\n".encode("utf-16") + b"\x00"
    with (
        CsvSource(write(tmp_path, data), CsvDialect("utf-16", ",")) as source,
        pytest.raises(DataInvalid, match=f"byte offset {len(data) - 1}"),
    ):
        list(source.rows())


def test_a_5_mb_field(tmp_path: Path) -> None:
    big = "x" * (5 * 1024 * 1024)
    path = write(tmp_path, f'a,b\n1,"{big}"\n2,{big}\n3,c\n'.encode())
    assert read_all(path) == [["1", big], ["2", big], ["3", "c"]]


def test_a_field_over_the_limit_is_data_invalid(tmp_path: Path) -> None:
    big = "x" * (FIELD_LIMIT + 1)
    path = write(tmp_path, f'a,b\n1,ok\n2,"{big}"\n'.encode())
    with CsvSource(path, UTF8) as source:
        rows = source.rows()
        assert next(rows) == ["1", "ok"]
        with pytest.raises(DataInvalid, match="data row 2"):
            next(rows)


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"  \n,,\n"])
def test_no_header_row(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(FileFormatInvalid, match="no header row"):
        CsvSource(write(tmp_path, data), UTF8)


def test_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    assert read_all(write(tmp_path, b"a,b\r\n")) == []


def test_memory_is_bounded_by_the_chunk_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(b"id,name,email\n")
        for i in range(400_000):  # ~16 MB
            out.write(b"%d,Name %d,user%d@example.com\n" % (i, i, i))
    tracemalloc.start()
    try:
        with CsvSource(path, UTF8) as source:
            count = sum(len(chunk) for chunk in source.chunks(1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 400_000
    assert peak < 4 * 1024 * 1024


# -- iter_lines at block boundaries --------------------------------------------------------


def lines_of(data: bytes, encoding: str = "utf-8") -> list[str]:
    return list(iter_lines(io.BytesIO(data), encoding, max_line=10 * TEXT_BLOCK_SIZE))


@pytest.mark.parametrize("end", [b"\r\n", b"\r", b"\n"])
def test_a_line_end_on_the_block_boundary(end: bytes) -> None:
    first = b"a" * (TEXT_BLOCK_SIZE - 1) + end
    data = first + b"b" + end + b"c"
    assert lines_of(data) == [first.decode(), "b" + end.decode(), "c"]


def test_a_character_split_across_blocks() -> None:
    data = b"a" * (TEXT_BLOCK_SIZE - 1) + "é".encode() + b"\nnext\n"
    assert lines_of(data) == ["a" * (TEXT_BLOCK_SIZE - 1) + "é\n", "next\n"]


def test_a_line_longer_than_a_block() -> None:
    data = b"x" * (3 * TEXT_BLOCK_SIZE) + b"\ny\n"
    assert lines_of(data) == ["x" * (3 * TEXT_BLOCK_SIZE) + "\n", "y\n"]


def test_utf8_sig_offsets_count_the_bom() -> None:
    data = codecs.BOM_UTF8 + b"ab\n\xff\n"
    lines = iter_lines(io.BytesIO(data), "utf-8-sig", max_line=100)
    assert next(lines) == "ab\n"
    with pytest.raises(TextDecodeFailure) as info:
        next(lines)
    assert info.value.offset == 6
