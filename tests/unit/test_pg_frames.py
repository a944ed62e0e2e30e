"""The COPY payload of a frame: which columns polars renders, and how."""

from __future__ import annotations

import polars as pl

from bulkwrite.store.postgres.pg_catalog import Column
from bulkwrite.store.postgres.pg_frames import copy_payload
from bulkwrite.store.postgres.pg_values import Kind

IST = "2026-11-28T09:30:00+05:30"


def test_values_are_rendered_in_copy_text_format_with_datetime_offsets() -> None:
    frame = pl.DataFrame(
        {
            "t": ["", None, 'a"b\tc\r\nd', "\\."],
            "n": [1, None, -2, 3],
            "f": [0.1, None, 1e20, 2.0],
            "b": [1, 0, None, 1],
            "m": [IST, None, "2026-11-28T12:00:00", IST],
        }
    )  # fmt: skip
    cols = [Column("t", Kind.TEXT), Column("n", Kind.BIGINT), Column("f", Kind.DOUBLE),
            Column("b", Kind.BOOLEAN), Column("m", Kind.TIMESTAMPTZ)]  # fmt: skip
    payload = copy_payload(frame, cols)
    assert payload is not None
    assert b"".join(payload) == (
        b"\t1\t0.1\ttrue\t2026-11-28T09:30:00+05:30\t19800\n"
        b"\\N\t\\N\t\\N\tfalse\t\\N\t\\N\n"
        b'a"b\\tc\\r\\nd\t-2\t1e+20\t\\N\t2026-11-28T12:00:00\t\\N\n'
        b"\\\\.\t3\t2.0\ttrue\t2026-11-28T09:30:00+05:30\t19800\n"
    )


def test_a_type_the_kind_does_not_take_as_text_falls_back_to_rows() -> None:
    floats_as_text = pl.DataFrame({"t": [0.5]})
    assert copy_payload(floats_as_text, [Column("t", Kind.TEXT)]) is None
    text_as_number = pl.DataFrame({"n": ["7"]})
    assert copy_payload(text_as_number, [Column("n", Kind.BIGINT)]) is None


def test_a_long_frame_is_rendered_in_pieces_that_join_to_the_whole() -> None:
    frame = pl.DataFrame({"t": [f"row {i}" if i % 7 else None for i in range(10_000)]})
    pieces = list(copy_payload(frame, [Column("t", Kind.TEXT)]) or [])
    assert len(pieces) == 3
    whole = b"".join(pieces).split(b"\n")
    assert len(whole) == 10_001 and whole[-1] == b""
    assert whole[0] == b"\\N" and whole[1] == b"row 1" and whole[9_999] == b"row 9999"
