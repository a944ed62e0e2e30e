"""Number cells: plain numbers, and Java ``DecimalFormat``-like patterns compiled once.

A pattern is digit runs (``#`` and ``0``) joined by separators (``,`` ``.`` ``'``, space,
non-breaking space). It fixes the grouping and decimal separators of the cells it reads:

- with two different separators, the last one is the decimal separator (it may occur once);
- ``'`` and spaces are only ever grouping separators, and a separator occurring twice is grouping;
- a lone ``,`` or ``.`` followed by exactly three digits (``#,###``, ``#.##0``) is grouping, unless
  that reading breaks Java's digit order (integer digits are ``#*0*``), as in ``0.###``;
- any other lone separator is the decimal separator (``0.00``, ``#,##``).

Grouping separators must be three digits apart. A pattern without a decimal separator reads a
``.`` as the decimal separator (a ``,`` when ``.`` is its grouping separator). When reading, the
number of fraction digits is free and grouping is optional, but a grouped cell must group by 3.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal

from bulkwrite.errors import FormatInvalid
from bulkwrite.importer.dates import rust_escape

_SPACES = " \u00a0\u202f"
_GROUP_ONLY = "'" + _SPACES
_SHAPE = re.compile(r"[#0]+(?:[,.' \u00a0][#0]+)*").fullmatch
_SEPARATOR = re.compile(r"[,.' \u00a0]")
_INTEGER_DIGITS = re.compile(r"#*0*").fullmatch
_FRACTION_DIGITS = re.compile(r"0*#*").fullmatch
MAX_CELL = 300  # longer cells are no sane number (and 10**300 still fits a float)
_CONTEXT = Context(prec=1000)

_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)").fullmatch
_PLAIN_INT = re.compile(r"([+-]?)0*([0-9]{1,19})").fullmatch


def parse_plain_number(text: str) -> float | None:
    """``-1234.56``, ``+1234.56``, ``1234``, ``.5`` (surrounding whitespace ignored)."""
    text = text.strip()
    return float(text) if _PLAIN_NUMBER(text) else None


def parse_plain_int(text: str) -> int | None:
    """An optional sign and digits (surrounding whitespace ignored); more than 19 significant
    digits is ``None``, being out of any supported range."""
    if len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    match = _PLAIN_INT(text.strip())
    return int(match[1] + match[2]) if match else None


def _invalid(pattern: str, reason: str) -> FormatInvalid:
    return FormatInvalid(f"The format pattern '{pattern}' is not valid: {reason}.")


def _decimal_index(pattern: str, runs: list[str], seps: list[str]) -> int:
    """Index in ``seps`` of the decimal separator, or -1 when the pattern has none."""
    if not seps:
        return -1
    if len(set(seps)) > 1:
        last = seps[-1]
        if last in _GROUP_ONLY or seps.count(last) > 1:
            raise _invalid(pattern, f"'{last}' cannot be its decimal separator")
        return len(seps) - 1
    if seps[0] in _GROUP_ONLY or len(seps) > 1:
        return -1
    if len(runs[1]) == 3 and _INTEGER_DIGITS(runs[0] + runs[1]):
        return -1
    return 0


def group_chars(grouping: str) -> str:
    """The characters a cell may group with: any space for a space, also U+2019 for ``'``."""
    if not grouping:
        return ""
    if grouping in _SPACES:
        return _SPACES
    return grouping + "\u2019" if grouping == "'" else grouping


class NumberPattern:
    """A compiled number pattern: ``parse`` reads a cell, ``format`` writes a number."""

    __slots__ = ("_match", "_table", "decimal", "grouping", "max_fraction", "min_fraction",
                 "min_integer", "pattern", "vector_regex")  # fmt: skip

    def __init__(self, pattern: str, grouping: str, decimal: str, integer: str, fraction: str):
        self.pattern = pattern
        self.grouping = grouping  # "" when the pattern does not group
        self.decimal = decimal
        self.min_integer = integer.count("0")
        self.min_fraction = fraction.count("0")
        self.max_fraction = len(fraction)
        chars = group_chars(grouping)
        group = f"[{re.escape(chars)}]"
        whole = rf"[0-9]{{1,3}}(?:{group}[0-9]{{3}})+|[0-9]+" if grouping else "[0-9]+"
        dot = re.escape(decimal)
        regex = rf"[+-]?(?:(?:{whole})(?:{dot}[0-9]+)?|{dot}[0-9]+)"
        self._match = re.compile(regex, re.ASCII).fullmatch
        rust_group = "[" + "".join(map(rust_escape, chars)) + "]"
        rust_whole = rf"[0-9]{{1,3}}(?:{rust_group}[0-9]{{3}})+|[0-9]+" if grouping else "[0-9]+"
        rust_dot = rust_escape(decimal)
        #: The same regex for polars (``importer/vector.py``), anchored.
        self.vector_regex = rf"^[+-]?(?:(?:{rust_whole})(?:{rust_dot}[0-9]+)?|{rust_dot}[0-9]+)$"
        self._table: dict[int, str | None] = {ord(c): None for c in chars}
        self._table[ord(decimal)] = "."

    def parse(self, text: str) -> float | int | None:
        """The number (an ``int`` when the cell has no fraction part), or ``None``."""
        text = text.strip()
        if len(text) > MAX_CELL or self._match(text) is None:
            return None
        plain = text.translate(self._table)
        return float(plain) if "." in plain else int(plain)

    def format(self, value: float | int | Decimal) -> str:
        """``value`` rounded half-even to the pattern's fraction digits, with its separators."""
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        exponent = Decimal(1).scaleb(-self.max_fraction)
        number = number.quantize(exponent, rounding=ROUND_HALF_EVEN, context=_CONTEXT)
        sign = "-" if number < 0 else ""
        integer, _, fraction = f"{abs(number):f}".partition(".")
        keep = max(self.min_fraction, len(fraction.rstrip("0")))
        fraction = fraction[:keep]
        integer = integer.lstrip("0").rjust(self.min_integer, "0")
        if not integer and not fraction:
            integer = "0"
        if self.grouping and len(integer) > 3:
            head = len(integer) % 3 or 3
            groups = [integer[:head]] + [integer[i : i + 3] for i in range(head, len(integer), 3)]
            integer = self.grouping.join(groups)
        return sign + integer + (self.decimal + fraction if fraction else "")

    def __repr__(self) -> str:
        return f"NumberPattern({self.pattern!r})"


def compile_number_pattern(pattern: str) -> NumberPattern:
    """Compile a number pattern; raise ``FormatInvalid`` naming it when it is bad."""
    if not _SHAPE(pattern):
        raise _invalid(pattern, "use digits '#'/'0' joined by the separators , . ' and space")
    runs, seps = _SEPARATOR.split(pattern), _SEPARATOR.findall(pattern)
    at = _decimal_index(pattern, runs, seps)
    grouping_seps = set(seps if at < 0 else seps[:at])
    if len(grouping_seps) > 1:
        raise _invalid(pattern, "it has more than one grouping separator")
    integer_runs = runs if at < 0 else runs[: at + 1]
    if any(len(run) != 3 for run in integer_runs[1:]):
        raise _invalid(pattern, "grouping separators must be three digits apart")
    integer, fraction = "".join(integer_runs), "" if at < 0 else runs[-1]
    if not _INTEGER_DIGITS(integer) or not _FRACTION_DIGITS(fraction):
        raise _invalid(pattern, "'#' must precede '0' before the decimal separator, follow after")
    grouping = grouping_seps.pop() if grouping_seps else ""
    decimal = seps[at] if at >= 0 else ("," if grouping == "." else ".")
    return NumberPattern(pattern, grouping, decimal, integer, fraction)
