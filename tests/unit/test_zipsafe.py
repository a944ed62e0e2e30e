"""Zip uploads: one CSV out, safely, streamed; everything else refused with a clear error."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from bulkwrite.errors import FileFormatInvalid, FileTooLarge
from bulkwrite.files.upload_files import StoredUpload, member_path, store_upload
from bulkwrite.files.zipsafe import (
    BOMB_FLOOR,
    MAX_RATIO,
    check_declared_size,
    check_entry_name,
    entry_blocks,
    looks_like_zip,
    pick_csv_entry,
    text_table_entries,
)

CSV = b"Last_Name,Email\r\nSmith,smith@example.com\r\nJones,jones@example.com\r\n"
MB = 1024 * 1024


def make_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def store(tmp_path: Path, payload: bytes, max_bytes: int = 10 * MB) -> StoredUpload:
    return store_upload(
        io.BytesIO(payload), "Leads.zip", tmp_path / "files" / "u1.csv", tmp_path / "tmp", max_bytes
    )


def assert_nothing_left(tmp_path: Path) -> None:
    assert not (tmp_path / "files" / "u1.csv").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def patch_sizes(data: bytes, *, file_size: int | None = None, flags: int | None = None) -> bytes:
    """Rewrite one entry's local header and central directory record in place."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    central = out.index(b"PK\x01\x02")
    if file_size is not None:
        struct.pack_into("<I", out, local + 22, file_size)
        struct.pack_into("<I", out, central + 24, file_size)
    if flags is not None:
        struct.pack_into("<H", out, local + 6, flags)
        struct.pack_into("<H", out, central + 8, flags)
    return bytes(out)


def test_one_csv_is_extracted_under_its_base_name(tmp_path: Path) -> None:
    stored = store(tmp_path, make_zip({"export/Leads.csv": CSV}))
    assert stored == StoredUpload(
        "Leads.csv", tmp_path / "files" / "u1.csv", len(CSV), "utf-8", True
    )
    assert stored.path.read_bytes() == CSV
    assert list((tmp_path / "tmp").iterdir()) == []


def test_stored_entries_work_too(tmp_path: Path) -> None:
    stored = store(tmp_path, make_zip({"Leads.CSV": CSV}, compression=zipfile.ZIP_STORED))
    assert stored.name == "Leads.CSV"
    assert stored.path.read_bytes() == CSV


def test_junk_and_non_csv_entries_are_ignored(tmp_path: Path) -> None:
    payload = make_zip(
        {
            "export/": b"",
            "__MACOSX/export/._Leads.csv": b"\x00\x05\x16\x07",
            "export/.DS_Store": b"\x00\x00\x00\x01Bud1",
            ".hidden.csv": b"a,b\n",
            "readme.txt": b"hello",
            "export/Leads.csv": CSV,
        }
    )
    stored = store(tmp_path, payload)
    assert stored.name == "Leads.csv"
    assert stored.path.read_bytes() == CSV


def test_several_csvs_are_each_stored_beside_the_first(tmp_path: Path) -> None:
    other = b"Parent,Qty\r\nSmith,2\r\n"
    stored = store(tmp_path, make_zip({"a.csv": CSV, "readme.txt": b"hi", "b/B.CSV": other}))
    assert (stored.name, stored.path.read_bytes()) == ("a.csv", CSV)
    (second,) = stored.more
    assert second == StoredUpload("B.CSV", member_path(stored.path, 1), len(other), "utf-8", True)
    assert second.path.read_bytes() == other
    assert list((tmp_path / "tmp").iterdir()) == []


def test_two_csvs_of_one_base_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatInvalid, match=r"two CSV files named 'a\.csv'"):
        store(tmp_path, make_zip({"a.csv": CSV, "b/a.csv": CSV}))
    assert_nothing_left(tmp_path)


def test_a_bad_later_csv_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(FileFormatInvalid, match="empty"):
        store(tmp_path, make_zip({"a.csv": CSV, "b.csv": CSV, "c.csv": b"  \r\n"}))
    assert_nothing_left(tmp_path)
    assert list((tmp_path / "files").iterdir()) == []


def test_the_csvs_of_a_zip_share_the_size_limit(tmp_path: Path) -> None:
    with pytest.raises(FileTooLarge, match="inflate to more than"):
        store(tmp_path, make_zip({"a.csv": CSV, "b.csv": CSV}), max_bytes=len(CSV) + 10)
    assert_nothing_left(tmp_path)


@pytest.mark.parametrize("name", ["../x.csv", "/etc/x.csv", "a/../../x.csv", "..\\x.csv"])
def test_unsafe_entry_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(FileFormatInvalid, match=r"absolute|'\.\.'"):
        store(tmp_path, make_zip({name: CSV}))
    assert_nothing_left(tmp_path)


def test_an_unsafe_name_is_refused_even_on_an_ignored_entry(tmp_path: Path) -> None:
    with pytest.raises(FileFormatInvalid, match=r"'\.\.'"):
        store(tmp_path, make_zip({"Leads.csv": CSV, "../../evil.sh": b"rm -rf /"}))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("C:\\x.csv", "drive letter"),
        ("c:x.csv", "drive letter"),
        ("\\\\server\\x.csv", "absolute"),
        ("", "empty name"),
    ],
)
def test_check_entry_name_refuses(name: str, message: str) -> None:
    with pytest.raises(FileFormatInvalid, match=message):
        check_entry_name(name)


@pytest.mark.parametrize("name", ["x.csv", "a/b/x.csv", "a..b.csv", "..x/y.csv", "dir/"])
def test_check_entry_name_accepts(name: str) -> None:
    check_entry_name(name)


def test_zip_bomb_is_stopped_before_inflating(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("bomb.csv", "w") as entry,
    ):
        zeros = bytes(MB)
        for _ in range(100):
            entry.write(zeros)
    assert len(buffer.getvalue()) < MB
    with pytest.raises(FileTooLarge):
        store(tmp_path, buffer.getvalue(), max_bytes=10 * MB)
    assert_nothing_left(tmp_path)


def test_a_declared_size_that_lies_low_is_caught(tmp_path: Path) -> None:
    # zipfile stops at the declared size, so the CRC check then fails: nothing past it is kept.
    content = b"a,b\n" + b"1,2\n" * 300_000
    payload = patch_sizes(make_zip({"big.csv": content}), file_size=100)
    with pytest.raises(FileFormatInvalid, match="corrupt"):
        store(tmp_path, payload, max_bytes=1000)
    assert_nothing_left(tmp_path)


def test_a_declared_size_over_the_limit_is_refused(tmp_path: Path) -> None:
    payload = patch_sizes(make_zip({"big.csv": CSV}), file_size=11 * MB)
    with pytest.raises(FileTooLarge, match="limit"):
        store(tmp_path, payload, max_bytes=10 * MB)
    assert_nothing_left(tmp_path)


def test_a_bomb_ratio_is_refused_even_under_the_size_limit() -> None:
    info = zipfile.ZipInfo("bomb.csv")
    info.file_size = BOMB_FLOOR + 1
    info.compress_size = (BOMB_FLOOR + 1) // (MAX_RATIO + 1)
    with pytest.raises(FileTooLarge, match="zip bomb"):
        check_declared_size(info, max_bytes=10 * BOMB_FLOOR)
    info.compress_size = BOMB_FLOOR // 100
    check_declared_size(info, max_bytes=10 * BOMB_FLOOR)


def test_inflated_bytes_are_counted_whatever_the_header_says() -> None:
    info = zipfile.ZipInfo("x.csv")
    info.file_size = 10
    info.compress_size = 10
    blocks = entry_blocks(io.BytesIO(b"x" * (3 * MB)), info, max_bytes=2 * MB)
    assert len(next(blocks)) == MB
    assert len(next(blocks)) == MB
    with pytest.raises(FileTooLarge, match="limit"):
        next(blocks)


def test_encrypted_csv_is_refused(tmp_path: Path) -> None:
    payload = patch_sizes(make_zip({"Leads.csv": CSV}), flags=0x1)
    with pytest.raises(FileFormatInvalid, match="encrypted"):
        store(tmp_path, payload)
    assert_nothing_left(tmp_path)


def test_corrupt_data_is_refused(tmp_path: Path) -> None:
    payload = bytearray(make_zip({"Leads.csv": CSV * 50}))
    data_start = 30 + len("Leads.csv")
    for i in range(data_start + 5, data_start + 25):
        payload[i] ^= 0xFF
    with pytest.raises(FileFormatInvalid, match=r"corrupt|unreadable"):
        store(tmp_path, bytes(payload))
    assert_nothing_left(tmp_path)


def test_truncated_zip_is_refused(tmp_path: Path) -> None:
    payload = make_zip({"Leads.csv": CSV * 50})
    with pytest.raises(FileFormatInvalid, match="corrupt"):
        store(tmp_path, payload[: len(payload) // 2])
    assert_nothing_left(tmp_path)


def test_empty_zip_is_refused(tmp_path: Path) -> None:
    payload = make_zip({})
    assert payload.startswith(b"PK\x05\x06")
    with pytest.raises(FileFormatInvalid, match="no CSV"):
        store(tmp_path, payload)
    assert_nothing_left(tmp_path)


def test_zip_without_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatInvalid, match="no CSV, TSV or text file"):
        store(tmp_path, make_zip({"Leads.xlsx": b"PK\x03\x04...", "photo.png": b"\x89PNG"}))


@pytest.mark.parametrize(
    ("entries", "picked"),
    [
        ({"readme.txt": b"hi", "Leads.tsv": b"a\tb\n1\t2\n"}, "Leads.tsv"),
        ({"export/Leads.TXT": CSV}, "Leads.TXT"),
        ({"Leads": CSV, "logo.png": b"\x89PNG"}, "Leads"),
        ({"notes.txt": b"hi", "Leads.tsv": b"a\tb\n", "Deals.csv": CSV}, "Deals.csv"),
    ],
)
def test_a_zip_of_tsv_txt_or_suffixless_text_is_read(
    tmp_path: Path, entries: dict[str, bytes], picked: str
) -> None:
    assert store(tmp_path, make_zip(entries)).name == picked


def test_text_table_entries_prefer_csv_then_tsv_then_text() -> None:
    names = ["a.txt", "b.tsv", "c", "d.csv", "e/F.CSV", ".hidden.csv", "g.xlsx"]
    entries = [zipfile.ZipInfo(n) for n in names]
    assert [i.filename for i in text_table_entries(entries)] == ["d.csv", "e/F.CSV"]
    assert [i.filename for i in text_table_entries(entries[:3])] == ["b.tsv"]
    assert [i.filename for i in text_table_entries([entries[0], entries[2]])] == ["a.txt", "c"]


def test_zipped_binary_named_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatInvalid, match="binary"):
        store(tmp_path, make_zip({"photo.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}))
    assert_nothing_left(tmp_path)


def test_zipped_empty_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatInvalid, match="empty"):
        store(tmp_path, make_zip({"Leads.csv": b"\r\n  \r\n"}))
    assert_nothing_left(tmp_path)


def test_zipped_csv_over_the_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileTooLarge):
        store(tmp_path, make_zip({"Leads.csv": CSV}), max_bytes=len(CSV) - 1)
    assert_nothing_left(tmp_path)


def test_pick_csv_entry_names_the_csvs_it_found() -> None:
    entries = [zipfile.ZipInfo("a.csv"), zipfile.ZipInfo("b.csv")]
    with pytest.raises(FileFormatInvalid, match=r"a\.csv, b\.csv"):
        pick_csv_entry(entries)


@pytest.mark.parametrize(
    ("head", "expected"),
    [(b"PK\x03\x04", True), (b"PK\x05\x06", True), (b"PK\x01\x02", False), (b"a,b\n", False)],
)
def test_looks_like_zip(head: bytes, expected: bool) -> None:
    assert looks_like_zip(head) is expected
