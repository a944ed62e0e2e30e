"""The vectorised unique check decides exactly as the row-by-row rules it replaced."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkwrite.services.run.unique import _duplicates, _duplicates_by_value

VALUES = st.sampled_from(["a", "b", "c", "d"])
IDS = st.sampled_from([1, 2, 3])


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.one_of(st.none(), VALUES), st.booleans(), st.one_of(st.none(), IDS))
    ),
    stored=st.lists(st.tuples(VALUES, IDS)),
)
def test_vectorised_unique_check_matches_the_row_rules(
    rows: list[tuple[str | None, bool, int | None]], stored: list[tuple[str, int]]
) -> None:
    values = pl.Series([r[0] for r in rows], dtype=pl.String)
    candidates = pl.Series([r[1] and r[0] is not None for r in rows], dtype=pl.Boolean)
    target = pl.Series([r[2] for r in rows], dtype=pl.Int64)
    taken = pl.DataFrame(
        {"key": [s[0] for s in stored], "id": [s[1] for s in stored], "job": [None] * len(stored)},
        schema={"key": pl.String, "id": pl.Int64, "job": pl.Int64},
    )
    fast = _duplicates(values, candidates, target, taken)
    assert fast.to_list() == _duplicates_by_value(values, candidates, target, taken).to_list()
    if not stored:  # nothing asked of the store
        assert _duplicates(values, candidates, target, None).to_list() == fast.to_list()
