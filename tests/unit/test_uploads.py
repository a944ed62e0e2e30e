"""Bare CSV uploads: content decides the kind, the size limit holds, the encoding is guessed."""

from __future__ import annotations

import codecs
import io
import tempfile
from pathlib import Path

import pytest

from bulkwrite.errors import FileFormatInvalid, FileTooLarge
from bulkwrite.files.upload_files import HEAD_SIZE, StoredUpload, csv_name_for, store_upload
from bulkwrite.files.zipsafe import BLOCK_SIZE

MB = 1024 * 1024
CSV = "Last_Name,City\r\nMüller,Köln\r\nSmith,Paris\r\n"


def store_bytes(
    tmp_path: Path, payload: bytes, filename: str | None = "Leads.csv", max_bytes: int = 10 * MB
) -> StoredUpload:
    return store_upload(
        io.BytesIO(payload), filename, tmp_path / "files" / "u1.csv", tmp_path / "tmp", max_bytes
    )


def assert_nothing_left(tmp_path: Path) -> None:
    assert not (tmp_path / "files" / "u1.csv").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_bare_csv_is_stored(tmp_path: Path) -> None:
    payload = CSV.encode()
    stored = store_bytes(tmp_path, payload)
    assert stored.name == "Leads.csv"
    assert stored.path == tmp_path / "files" / "u1.csv"
    assert stored.path.read_bytes() == payload
    assert stored.size == len(payload)
    assert stored.zipped is False
    assert stored.encoding_hint == "utf-8"
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_spooled_temp_file_works_as_source(tmp_path: Path) -> None:
    payload = CSV.encode() * 1000
    with tempfile.SpooledTemporaryFile(max_size=1024) as spool:
        spool.write(payload)
        spool.seek(0)
        stored = store_upload(spool, "x.csv", tmp_path / "d.csv", tmp_path / "tmp", 10**9)
    assert stored.path.read_bytes() == payload


def test_an_existing_dest_is_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "files" / "u1.csv"
    dest.parent.mkdir()
    dest.write_bytes(b"old")
    store_bytes(tmp_path, CSV.encode())
    assert dest.read_bytes() == CSV.encode()


def test_a_csv_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    payload = CSV.encode()
    assert store_bytes(tmp_path, payload, max_bytes=len(payload)).size == len(payload)


def test_a_csv_over_the_limit_is_refused(tmp_path: Path) -> None:
    payload = b"a,b\n" + b"1,2\n" * (1024 * 1024)  # 4 MiB, several blocks
    with pytest.raises(FileTooLarge, match="limit"):
        store_bytes(tmp_path, payload, max_bytes=3 * 1024 * 1024)
    assert_nothing_left(tmp_path)


def test_a_failed_upload_keeps_the_previous_dest(tmp_path: Path) -> None:
    dest = tmp_path / "files" / "u1.csv"
    dest.parent.mkdir()
    dest.write_bytes(b"old")
    with pytest.raises(FileTooLarge):
        store_bytes(tmp_path, CSV.encode(), max_bytes=5)
    assert dest.read_bytes() == b"old"


@pytest.mark.parametrize(
    "payload",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"GIF89a\x01\x00\x01\x00",
        b"a,b\n1,\x002\n",
    ],
    ids=["png", "pdf", "gif", "nul-byte"],
)
def test_binary_content_is_refused(tmp_path: Path, payload: bytes) -> None:
    with pytest.raises(FileFormatInvalid, match="binary"):
        store_bytes(tmp_path, payload)
    assert_nothing_left(tmp_path)


@pytest.mark.parametrize(
    "payload", [b"", b"   \r\n\t\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\r\n"]
)
def test_empty_content_is_refused(tmp_path: Path, payload: bytes) -> None:
    with pytest.raises(FileFormatInvalid, match="The file is empty"):
        store_bytes(tmp_path, payload)
    assert_nothing_left(tmp_path)


def test_whitespace_beyond_the_head_then_text_is_not_empty(tmp_path: Path) -> None:
    payload = b" " * (HEAD_SIZE + 10) + b"a,b\n"
    assert store_bytes(tmp_path, payload).size == len(payload)


def test_the_kind_is_decided_by_content_not_name(tmp_path: Path) -> None:
    stored = store_bytes(tmp_path, CSV.encode(), filename="Leads.zip")
    assert stored.zipped is False
    assert stored.name == "Leads.csv"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (None, "upload.csv"),
        ("", "upload.csv"),
        ("data", "data.csv"),
        ("report.CSV", "report.CSV"),
        ("my.report.txt", "my.report.csv"),
        ("C:\\Users\\me\\Deals.csv", "Deals.csv"),
        ("/tmp/x/Deals.csv", "Deals.csv"),
        ("evil\r\nname.csv", "evilname.csv"),
        (".csv", "upload.csv"),
    ],
)
def test_csv_name_for(filename: str | None, expected: str) -> None:
    assert csv_name_for(filename) == expected


@pytest.mark.parametrize(
    ("payload", "hint"),
    [
        (codecs.BOM_UTF8 + CSV.encode("utf-8"), "utf-8-sig"),
        (CSV.encode("utf-8"), "utf-8"),
        (CSV.encode("cp1252"), "cp1252"),
        (CSV.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + CSV.encode("utf-16-be"), "utf-16"),
        (b"Name\r\nplain ascii\r\n", "utf-8"),
    ],
    ids=["utf-8-bom", "utf-8", "cp1252", "utf-16-le-bom", "utf-16-be-bom", "ascii"],
)
def test_encoding_hint(tmp_path: Path, payload: bytes, hint: str) -> None:
    assert store_bytes(tmp_path, payload).encoding_hint == hint


def test_a_utf8_character_split_across_blocks_is_still_utf8(tmp_path: Path) -> None:
    prefix = b"Name\n" + b"a" * (BLOCK_SIZE - 6) + b"\n"
    payload = prefix[: BLOCK_SIZE - 1] + "é".encode() + b"\n"
    assert payload[BLOCK_SIZE - 1 : BLOCK_SIZE + 1] == "é".encode()
    assert store_bytes(tmp_path, payload).encoding_hint == "utf-8"


def test_a_bad_byte_far_into_the_file_makes_it_cp1252(tmp_path: Path) -> None:
    payload = b"Name\n" + b"abc\n" * (BLOCK_SIZE // 2) + "Café\n".encode("cp1252")
    assert store_bytes(tmp_path, payload).encoding_hint == "cp1252"


def test_a_truncated_utf8_sequence_at_the_end_makes_it_cp1252(tmp_path: Path) -> None:
    assert store_bytes(tmp_path, b"Name\nabc\xc3").encoding_hint == "cp1252"
