"""Whole numbers read from requests: ids, column indexes, page numbers.

``str.isdigit()`` is true for ``¹``, ``①``, fullwidth and Arabic-Indic digits, which ``int()``
either refuses or reads as ordinary digits; every id, index and page number of a request is read
here instead: ASCII digits ``0-9`` only, of a bounded length, so nothing else ever reaches
``int()`` or the store.
"""

from __future__ import annotations

from typing import Final

#: Ids (jobs, files, users, modules, records) are numbers of 18 or 19 digits that fit a signed
#: 64-bit integer, as the columns that hold them do.
ID_DIGITS: Final = 19
ID_MAX: Final = 2**63 - 1
_ASCII_DIGITS: Final = frozenset("0123456789")


def parse_digits(text: object, max_digits: int) -> int | None:
    """The number ``text`` spells in 1 to ``max_digits`` ASCII digits; None for anything
    else (a sign, spaces, other digits, other types)."""
    if not isinstance(text, str) or not 0 < len(text) <= max_digits:
        return None
    if not _ASCII_DIGITS.issuperset(text):
        return None
    return int(text)


def parse_id(value: object) -> str | None:
    """An id as the store keeps it (digits, no leading zero), from a path segment, a JSON
    string or a JSON integer; None if ``value`` cannot be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value if value >= 0 else None
    else:
        number = parse_digits(value, ID_DIGITS)
    if number is None or number > ID_MAX:
        return None
    text = str(number)
    return text if isinstance(value, int) or text == value else None


def parse_index(value: object, max_digits: int = 9) -> int | None:
    """A column index from a JSON integer or a string of ASCII digits with an optional ``-``
    (a negative index is the caller's to refuse); None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) < 10**max_digits else None
    if isinstance(value, str) and value.startswith("-"):
        number = parse_digits(value[1:], max_digits)
        return None if number is None else -number
    return parse_digits(value, max_digits)
