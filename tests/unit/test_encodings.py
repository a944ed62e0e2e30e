"""The encodings a CSV may be read in, and its byte-order mark (``files/encodings.py``)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bulkwrite.files.csvsource import CsvSource, detect_dialect
from bulkwrite.files.encodings import TEXT_ENCODINGS, bom_codec, text_encoding, with_bom
from bulkwrite.files.upload_files import TextSniffer


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("UTF-8", "utf-8"),
        ("utf8", "utf-8"),
        ("UTF-16LE", "utf-16-le"),
        ("utf_32", "utf-32"),
        ("windows-1252", "cp1252"),
        ("windows-874", "cp874"),
        ("x-mac-cyrillic", "mac-cyrillic"),
        ("Shift_JIS", "shift_jis"),
        ("ISO-8859-15", "iso8859-15"),
        ("latin1", "iso8859-1"),
        ("GB18030", "gb18030"),
    ],
)
def test_real_text_encodings_are_known(name: str, codec: str) -> None:
    assert text_encoding(name) == codec


@pytest.mark.parametrize(
    "name",
    [
        "idna", "punycode", "undefined", "utf-7", "unicode_escape", "raw_unicode_escape",
        "palmos", "rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "mbcs", "oem",
        "utf-8\x00", "\x00", "", "x" * 41, " utf-8", "utf-8 ", "no-such-codec",
    ],
)  # fmt: skip
def test_other_codecs_and_odd_names_are_refused(name: str) -> None:
    with pytest.raises(LookupError):
        text_encoding(name)


@pytest.mark.parametrize("name", [None, 8, ["utf-8"], b"utf-8"])
def test_a_name_must_be_a_string(name: object) -> None:
    with pytest.raises(LookupError):
        text_encoding(name)


def test_every_allowed_encoding_reads_a_header_it_wrote(tmp_path: Path) -> None:
    for codec in sorted(TEXT_ENCODINGS):
        assert codecs.lookup(codec).name == codec
        path = tmp_path / f"{codec}.csv"
        path.write_bytes("Name;City\nAnn;Rome\n".encode(codec))
        dialect = detect_dialect(path, codec, "utf-8")
        with CsvSource(path, dialect) as source:
            assert (source.header, list(source.rows())) == (["Name", "City"], [["Ann", "Rome"]])


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (codecs.BOM_UTF32_LE + b"a\x00\x00\x00", "utf-32"),  # before UTF-16-LE's FF FE
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE + b"a\x00", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
        (codecs.BOM_UTF8 + b"a", "utf-8-sig"),
        (b"abc", None),
    ],
)
def test_byte_order_marks_longest_first(head: bytes, codec: str | None) -> None:
    assert bom_codec(head) == codec


def test_a_mark_switches_only_its_own_byte_order() -> None:
    assert with_bom("utf-16-le", codecs.BOM_UTF16_LE + b"a\x00") == "utf-16"
    assert with_bom("utf-16-le", codecs.BOM_UTF32_LE) == "utf-16-le"
    assert with_bom("utf-32-le", codecs.BOM_UTF32_LE) == "utf-32"
    assert with_bom("utf-8", codecs.BOM_UTF8) == "utf-8-sig"
    assert with_bom("cp1252", codecs.BOM_UTF8) == "cp1252"


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-be"])
def test_an_upload_in_utf32_is_hinted_and_read_as_utf32(tmp_path: Path, codec: str) -> None:
    content = "Name,City\nZo\u00eb,K\u00f6ln\n".encode(codec)
    if codec == "utf-32-be":
        content = codecs.BOM_UTF32_BE + content
    sniffer = TextSniffer()
    sniffer.feed(content)
    hint = sniffer.finish()
    assert hint == "utf-32"
    path = tmp_path / "u.csv"
    path.write_bytes(content)
    dialect = detect_dialect(path, None, hint)
    with CsvSource(path, dialect) as source:
        assert source.header == ["Name", "City"]
        assert list(source.rows()) == [["Zo\u00eb", "K\u00f6ln"]]
