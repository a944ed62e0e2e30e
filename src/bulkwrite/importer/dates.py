"""Java-style date patterns (a ``SimpleDateFormat`` subset), each compiled once into a regex.

Supported letters: ``yyyy yy MMMM MMM MM M dd d HH H hh h mm m ss s SSS a Z X XX XXX``;
quoted literals (``'T'``, ``''`` for a quote); an unquoted ``T`` and any non-letter character
are literals, and a space matches one or more spaces. Parsing is lenient where Java is:
one- or two-digit numeric fields (fixed width when two numeric fields touch), month names in
any case and full or abbreviated, any offset style (``Z``, ``+05``, ``+0530``, ``+05:30``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from bulkwrite.errors import FormatInvalid

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_BY_NAME = {name.lower(): n for n, name in enumerate(MONTH_NAMES, 1)}
_MONTH_BY_NAME |= {name[:3].lower(): n for n, name in enumerate(MONTH_NAMES, 1)}
_MONTH_BY_NAME["sept"] = 9

_SUPPORTED = frozenset(
    {"yy", "yyyy", "M", "MM", "MMM", "MMMM", "d", "dd", "H", "HH", "h", "hh"}
    | {"m", "mm", "s", "ss", "SSS", "a", "Z", "X", "XX", "XXX"}
)
_PART_OF_LETTER = {
    "y": "year", "M": "month", "d": "day", "H": "hour", "h": "hour", "m": "minute",
    "s": "second", "S": "milli", "a": "ampm", "Z": "offset", "X": "offset",
}  # fmt: skip
_OFFSET_RE = "(z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_FIXED_RE = {"yyyy": "([0-9]{4})", "yy": "([0-9]{2})", "SSS": "([0-9]{3})", "a": "([ap]m)"}


@dataclass(frozen=True, slots=True)
class _Token:
    field: bool  # a pattern letter run, else a literal
    text: str

    @property
    def numeric(self) -> bool:
        return self.field and self.text[0] in "yMdHhmsS" and self.text not in ("MMM", "MMMM")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each part sits in the match's groups (``-1`` when the pattern lacks it)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    milli: int
    ampm: int
    offset: int
    two_digit_year: bool
    month_named: bool

    @property
    def timed(self) -> bool:
        return self.hour >= 0 or self.offset >= 0


def _invalid(pattern: str, reason: str) -> FormatInvalid:
    return FormatInvalid(f"The format pattern '{pattern}' is not valid: {reason}.")


def _tokenize(pattern: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "'":
            text, i = _quoted(pattern, i)
            tokens.append(_Token(False, text))
            continue
        j = i + 1
        while j < n and pattern[j] == char:
            j += 1
        run = pattern[i:j]
        if not (char.isascii() and char.isalpha()) or char == "T":
            tokens.append(_Token(False, run))
        elif run in _SUPPORTED:
            tokens.append(_Token(True, run))
        else:
            raise _invalid(pattern, f"unsupported letters '{run}'")
        i = j
    return tokens


def _quoted(pattern: str, start: int) -> tuple[str, int]:
    """The literal quoted at ``pattern[start]`` (``''`` is a quote) and the index after it."""
    if pattern.startswith("''", start):
        return "'", start + 2
    text, i = [], start + 1
    while True:
        end = pattern.find("'", i)
        if end < 0:
            raise _invalid(pattern, "unclosed quote")
        text.append(pattern[i:end])
        if not pattern.startswith("''", end):
            return "".join(text), end + 1
        text.append("'")
        i = end + 2


def rust_escape(char: str) -> str:
    """``char`` as a literal of the Rust ``regex`` crate (polars): ASCII letters and digits as
    themselves, anything else by its code point, so no escape means something else there."""
    return char if char.isascii() and char.isalnum() else f"\\x{{{ord(char):x}}}"


def _token_regex(tokens: list[_Token], k: int, escape: Callable[[str], str] = re.escape) -> str:
    token = tokens[k]
    if not token.field:
        return "".join(" +" if c == " " else escape(c) for c in token.text)
    run = token.text
    if run in _FIXED_RE:
        return _FIXED_RE[run]
    if run in ("MMM", "MMMM"):
        return "([a-z]{3,9})"
    if run[0] in "ZX":
        return _OFFSET_RE
    touching = (k > 0 and tokens[k - 1].numeric) or (k + 1 < len(tokens) and tokens[k + 1].numeric)
    return "([0-9]{2})" if touching else "([0-9]{1,2})"


def _layout(pattern: str, tokens: list[_Token]) -> _Layout:
    where: dict[str, int] = {}
    runs: dict[str, str] = {}
    for token in (t for t in tokens if t.field):
        part = _PART_OF_LETTER[token.text[0]]
        if part in where:
            raise _invalid(pattern, f"the {part} appears twice")
        where[part], runs[part] = len(where), token.text
    for part in ("year", "month", "day"):
        if part not in where:
            raise _invalid(pattern, f"no {part}")
    for part, needs in (("minute", "hour"), ("second", "minute"), ("milli", "second")):
        if part in where and needs not in where:
            raise _invalid(pattern, f"a {part} without a {needs}")
    if (runs.get("hour", "H")[0] == "h") != ("ampm" in where):
        raise _invalid(pattern, "'h'/'hh' and 'a' (AM/PM) go together")
    at = where.get
    return _Layout(
        year=where["year"], month=where["month"], day=where["day"], hour=at("hour", -1),
        minute=at("minute", -1), second=at("second", -1), milli=at("milli", -1),
        ampm=at("ampm", -1), offset=at("offset", -1),
        two_digit_year=runs["year"] == "yy", month_named=len(runs["month"]) >= 3,
    )  # fmt: skip


@lru_cache(maxsize=512)
def offset_tz(text: str) -> tzinfo | None:
    """``Z``, ``+05``, ``+0530`` or ``+05:30`` as a timezone; ``None`` when out of range."""
    if text in ("Z", "z"):
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    if not delta:
        return UTC
    return timezone(-delta if text[0] == "-" else delta)


def _clock(layout: _Layout, groups: tuple[str, ...]) -> tuple[int, int, int, int] | None:
    """Hour, minute, second and microsecond; ``None`` when out of range."""
    hour = int(groups[layout.hour]) if layout.hour >= 0 else 0
    if layout.ampm >= 0:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if groups[layout.ampm][0] in "pP" else 0)
    minute = int(groups[layout.minute]) if layout.minute >= 0 else 0
    second = int(groups[layout.second]) if layout.second >= 0 else 0
    micro = int(groups[layout.milli]) * 1000 if layout.milli >= 0 else 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second, micro


def _offset_text(value: datetime, style: str) -> str:
    offset = value.utcoffset() or timedelta(0)
    if style != "Z" and not offset:
        return "Z"
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    hh, mm = divmod(minutes, 60)
    if style == "X":
        return f"{sign}{hh:02d}"
    return f"{sign}{hh:02d}:{mm:02d}" if style == "XXX" else f"{sign}{hh:02d}{mm:02d}"


_RENDER: dict[str, Callable[[datetime], str]] = {
    "yyyy": lambda v: f"{v.year:04d}",
    "yy": lambda v: f"{v.year % 100:02d}",
    "M": lambda v: str(v.month),
    "MM": lambda v: f"{v.month:02d}",
    "MMM": lambda v: MONTH_NAMES[v.month - 1][:3],
    "MMMM": lambda v: MONTH_NAMES[v.month - 1],
    "d": lambda v: str(v.day),
    "dd": lambda v: f"{v.day:02d}",
    "H": lambda v: str(v.hour),
    "HH": lambda v: f"{v.hour:02d}",
    "h": lambda v: str(v.hour % 12 or 12),
    "hh": lambda v: f"{v.hour % 12 or 12:02d}",
    "m": lambda v: str(v.minute),
    "mm": lambda v: f"{v.minute:02d}",
    "s": lambda v: str(v.second),
    "ss": lambda v: f"{v.second:02d}",
    "SSS": lambda v: f"{v.microsecond // 1000:03d}",
    "a": lambda v: "PM" if v.hour >= 12 else "AM",
    "Z": lambda v: _offset_text(v, "Z"),
    "X": lambda v: _offset_text(v, "X"),
    "XX": lambda v: _offset_text(v, "XX"),
    "XXX": lambda v: _offset_text(v, "XXX"),
}


class DatePattern:
    """A compiled date pattern. ``parse`` gives a ``date`` when the pattern has no time and no
    offset, else a timezone-aware ``datetime`` (UTC when the pattern has no offset)."""

    __slots__ = ("_layout", "_match", "_tokens", "pattern", "vector_regex")

    def __init__(self, pattern: str, tokens: list[_Token], layout: _Layout) -> None:
        self.pattern = pattern
        self._tokens = tuple(tokens)
        self._layout = layout
        regex = "".join(_token_regex(tokens, k) for k in range(len(tokens)))
        self._match = re.compile(regex, re.ASCII | re.IGNORECASE).fullmatch
        #: The same regex for polars (``importer/datecolumns.py``), anchored; ``None`` when the
        #: pattern has a non-ASCII literal (Unicode case folding could differ there).
        rust = "".join(_token_regex(tokens, k, rust_escape) for k in range(len(tokens)))
        self.vector_regex = f"(?i)^(?:{rust})$" if pattern.isascii() else None

    @property
    def layout(self) -> _Layout:
        """Where each part sits in the regex's groups."""
        return self._layout

    @property
    def has_time(self) -> bool:
        return self._layout.timed

    def parse(self, text: str) -> date | datetime | None:
        """The value ``text`` spells (surrounding whitespace ignored), or ``None``."""
        match = self._match(text.strip())
        if match is None:
            return None
        groups, layout = match.groups(), self._layout
        year = int(groups[layout.year])
        if layout.two_digit_year:
            year += 2000 if year < 70 else 1900
        if layout.month_named:
            month = _MONTH_BY_NAME.get(groups[layout.month].lower(), 0)
        else:
            month = int(groups[layout.month])
        day = int(groups[layout.day])
        if not layout.timed:
            return make_date(year, month, day)
        clock = _clock(layout, groups)
        tz = offset_tz(groups[layout.offset]) if layout.offset >= 0 else UTC
        if clock is None or tz is None:
            return None
        return make_datetime(year, month, day, clock, tz)

    def format(self, value: date) -> str:
        """``value`` (a ``date`` or ``datetime``) written with this pattern."""
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return "".join(_RENDER[t.text](value) if t.field else t.text for t in self._tokens)

    def __repr__(self) -> str:
        return f"DatePattern({self.pattern!r})"


def compile_date_pattern(pattern: str) -> DatePattern:
    """Compile a Java-style date pattern; raise ``FormatInvalid`` naming it when it is bad."""
    if not pattern.strip():
        raise _invalid(pattern, "it is empty")
    tokens = _tokenize(pattern)
    return DatePattern(pattern, tokens, _layout(pattern, tokens))


def make_date(year: int, month: int, day: int) -> date | None:
    """The calendar date, or ``None`` when there is no such day."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def make_datetime(
    year: int, month: int, day: int, clock: tuple[int, int, int, int], tz: tzinfo
) -> datetime | None:
    """The aware datetime, or ``None`` when there is no such day."""
    try:
        return datetime(year, month, day, *clock, tzinfo=tz)
    except ValueError:
        return None


#: The ISO-8601 shapes, also read by polars (``importer/datecolumns.py``): no escapes in them.
ISO_DATE_RE = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
ISO_DATETIME_RE = (
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
    r"(z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_ISO_DATE = re.compile(ISO_DATE_RE, re.ASCII).fullmatch
_ISO_DATETIME = re.compile(ISO_DATETIME_RE, re.ASCII | re.IGNORECASE).fullmatch


def parse_iso_date(text: str) -> date | None:
    """``yyyy-MM-dd`` (surrounding whitespace ignored), or ``None``."""
    match = _ISO_DATE(text.strip())
    if match is None:
        return None
    year, month, day = match.groups()
    return make_date(int(year), int(month), int(day))


def parse_iso_datetime(text: str) -> datetime | None:
    """ISO-8601 ``yyyy-MM-dd[THH:mm[:ss[.fff]][offset]]``; no offset means UTC."""
    match = _ISO_DATETIME(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    tz = offset_tz(offset) if offset else UTC
    if tz is None:
        return None
    h, m, s = int(hour or 0), int(minute or 0), int(second or 0)
    if h > 23 or m > 59 or s > 59:
        return None
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    return make_datetime(int(year), int(month), int(day), (h, m, s, micro), tz)
