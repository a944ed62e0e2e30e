"""The ``format`` patterns a field mapping may carry: date patterns and number patterns.

The implementations live in ``dates.py`` and ``numbers.py``; this module is the one place
callers import them from.
"""

from __future__ import annotations

from bulkwrite.importer.dates import (
    DatePattern,
    compile_date_pattern,
    parse_iso_date,
    parse_iso_datetime,
)
from bulkwrite.importer.numbers import (
    NumberPattern,
    compile_number_pattern,
    parse_plain_int,
    parse_plain_number,
)

DEFAULT_DATE_PATTERN = "MM/dd/yyyy"
DEFAULT_DATETIME_PATTERN = "MM/dd/yyyy HH:mm:ss"

__all__ = [
    "DEFAULT_DATETIME_PATTERN",
    "DEFAULT_DATE_PATTERN",
    "DatePattern",
    "NumberPattern",
    "compile_date_pattern",
    "compile_number_pattern",
    "parse_iso_date",
    "parse_iso_datetime",
    "parse_plain_int",
    "parse_plain_number",
]
