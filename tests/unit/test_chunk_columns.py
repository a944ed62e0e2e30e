"""Rows of cells turned into String columns a slice at a time (importer.chunk)."""

from __future__ import annotations

import polars as pl
import pytest

from bulkwrite.importer.chunk import _columns


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 7, 9])
def test_columns_in_slices_keep_every_cell_in_order(count: int) -> None:
    rows = [[f"r{r}c{c}" for c in range(3)] for r in range(count)]
    columns = _columns(rows, 3, step=3)
    assert [s.name for s in columns] == ["c0", "c1", "c2"]
    assert all(s.dtype == pl.String for s in columns)
    assert [s.to_list() for s in columns] == [[row[c] for row in rows] for c in range(3)]
    assert all(s.n_chunks() == 1 for s in columns)
