"""The UTF-8 check of uploads (``files/utf8check.py``) finds what a strict decode finds, however
the bytes are split into blocks: by polars in the server, by a decode in a process without
polars (the CLI)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkwrite.files.utf8check import Utf8Stream, is_utf8
from tests.unit.reading import feed_in_pieces

PIECES = [
    b"a", b"\n", "é".encode(), "株".encode(), "😀".encode(), b"\xff", b"\xc3", b"\xe3\x80",
    b"\xf0\x9f", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80",
]  # fmt: skip


def decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.fixture(params=["polars", "decode"], autouse=True)
def checker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "polars":
        import polars  # noqa: F401  (the server has it: the check uses it)
    else:
        monkeypatch.delitem(sys.modules, "polars", raising=False)
    return str(request.param)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.lists(st.integers(0, 200), max_size=8))
def test_a_stream_is_valid_exactly_when_it_decodes(pieces: list[bytes], cuts: list[int]) -> None:
    data = b"".join(pieces)
    assert is_utf8(data) == decodes(data)
    stream = Utf8Stream()
    feed_in_pieces(stream.feed, data, cuts)
    assert stream.finish() == decodes(data)


def test_a_character_split_between_blocks_is_valid_and_one_left_unfinished_is_not() -> None:
    smile = "😀".encode()
    stream = Utf8Stream()
    for byte in smile:
        stream.feed(bytes([byte]))
    assert stream.finish()
    unfinished = Utf8Stream()
    unfinished.feed(b"ok" + smile[:3])
    assert not unfinished.finish()
