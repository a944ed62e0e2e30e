"""Ids, indexes and page numbers: ASCII digits only, bounded (``domain/ids.py``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkwrite.domain.ids import ID_MAX, parse_digits, parse_id, parse_index

OTHER_DIGITS = [
    "\u00b9",
    "\u2460",
    "\u00b2\u00b3",
    "\uff11\uff12",
    "\u0661\u0662",
    "\u09e7",
    "\U0001d7cf",
]


@pytest.mark.parametrize("text", OTHER_DIGITS)
def test_digits_that_are_not_ascii_are_no_number(text: str) -> None:
    assert text.isdigit()  # what str.isdigit() let through
    assert parse_digits(text, 19) is None
    assert parse_id(text) is None
    assert parse_index(text) is None
    assert parse_index("-" + text) is None


@pytest.mark.parametrize("text", ["", " 1", "1 ", "+1", "1_000", "0x1", "1e3", "1.0", "-"])
def test_anything_but_plain_digits_is_no_number(text: str) -> None:
    assert parse_digits(text, 19) is None


def test_length_is_bounded() -> None:
    assert parse_digits("9" * 10, 10) == 9_999_999_999
    assert parse_digits("9" * 11, 10) is None
    assert parse_id("1" * 100_000) is None


def test_an_id_fits_a_signed_64_bit_column_and_has_no_leading_zero() -> None:
    assert parse_id(str(ID_MAX)) == str(ID_MAX)
    assert parse_id(str(ID_MAX + 1)) is None
    assert parse_id("0111111000000100129") is None
    assert parse_id(111111000000100129) == "111111000000100129"
    assert parse_id(-5) is None
    assert parse_id(True) is None
    assert parse_id(None) is None
    assert parse_id(1.0) is None


def test_an_index_is_a_number_or_its_digits() -> None:
    assert parse_index(3) == 3
    assert parse_index("3") == 3
    assert parse_index("-3") == -3
    assert parse_index(-3) == -3
    assert parse_index(False) is None
    assert parse_index(3.0) is None
    assert parse_index(10**12) is None
    assert parse_index("--3") is None


@given(st.text(max_size=25))
def test_a_number_is_found_only_in_ascii_digits(text: str) -> None:
    number = parse_digits(text, 19)
    if number is None:
        assert not (text and text.isascii() and text.isdigit() and len(text) <= 19)
    else:
        assert text.isascii() and str(number).zfill(len(text)) == text
