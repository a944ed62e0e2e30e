"""The per-parent limit of child rows, counted chunk by chunk (``ParentTally``): a retried
chunk, the next chunk and a resumed run all count the same earlier rows."""

from __future__ import annotations

import polars as pl

from bulkwrite.services.run.links import ParentTally

FIRST = pl.Series([1, 1, None, 2, 1], dtype=pl.Int64)
SECOND = pl.Series([1, 2, 2, None, 3], dtype=pl.Int64)


def _earlier(rows: int) -> pl.Series:
    return pl.concat([FIRST, SECOND]).head(rows)


def test_rows_past_the_limit_for_their_parent_in_file_order() -> None:
    tally = ParentTally(2, _earlier)
    assert tally.beyond(FIRST, 0).to_list() == [False, False, False, False, True]
    assert tally.beyond(SECOND, 5).to_list() == [True, False, True, False, False]


def test_a_retried_chunk_counts_as_the_first_attempt() -> None:
    tally = ParentTally(2, _earlier)
    tally.beyond(FIRST, 0)
    first = tally.beyond(SECOND, 5).to_list()
    assert tally.beyond(SECOND, 5).to_list() == first == [True, False, True, False, False]


def test_a_resumed_run_counts_the_rows_before_it_from_the_file() -> None:
    calls: list[int] = []

    def earlier(rows: int) -> pl.Series:
        calls.append(rows)
        return _earlier(rows)

    tally = ParentTally(2, earlier)
    assert tally.beyond(SECOND, 5).to_list() == [True, False, True, False, False]
    assert calls == [5]
    assert tally.beyond(pl.Series([2, 3, 3], dtype=pl.Int64), 10).to_list() == [True, False, True]
    assert calls == [5]  # the next chunk's counts were kept
