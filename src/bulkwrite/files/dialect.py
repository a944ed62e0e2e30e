"""What both the server's reader and the CLI's local look at a file agree on, with nothing
heavy imported (the CLI starts without polars): the delimiters tried, how one is picked from
the header record, and the longest field the csv module is allowed."""

from __future__ import annotations

from typing import Final

#: The delimiters a file may use, in the order a tie is broken.
DELIMITERS: Final = (",", ";", ":", "|", "\t")
#: The csv module holds a field as 4-byte code points: this bound is ~64 MiB of memory per field.
FIELD_LIMIT: Final = 16 * 1024 * 1024


def pick_delimiter(record: str) -> str:
    """The delimiter occurring most often outside double quotes in ``record``."""
    outside = "".join(record.split('"')[0::2])
    counts = [outside.count(candidate) for candidate in DELIMITERS]
    best = max(counts)
    return DELIMITERS[counts.index(best)] if best else ","
