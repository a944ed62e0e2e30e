"""Chunks of a split job between workers: what is stored comes back exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_series_equal

from bulkwrite.domain.outcome import RowCode
from bulkwrite.files import chunkfile
from bulkwrite.files.storage import LocalStorage
from bulkwrite.importer.chunk import PreparedChunk, RawChunk


@pytest.fixture
def files(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


def test_raw_cells_come_back_with_short_and_long_rows(files: LocalStorage) -> None:
    rows = [["a", "b", "c"], ["x"], ["1", "2", "3", "", "extra"], ['q"uote', "new\nline", "ü"]]
    raw = RawChunk.of_rows(rows, 3)
    chunkfile.put_raw(files, "7", 2, raw)
    back = chunkfile.get_raw(files, "7", 2)
    assert [c.to_list() for c in back.columns] == [
        ["a", "x", "1", 'q"uote'],
        ["b", "", "2", "new\nline"],
        ["c", "", "3", "ü"],
    ]
    assert back.extra.to_list() == [False, False, True, False]
    assert back.size == 4


def _prepared() -> PreparedChunk:
    chunk = PreparedChunk(3, [pl.Series("c0", ["a", "", "c"]), pl.Series("c2", ["1", "2", "x"])])
    chunk.values = {
        "Last_Name": pl.Series(["a", None, "c"], dtype=pl.String),
        "No_of_Employees": pl.Series([1, None, 3], dtype=pl.Int64),
        "Annual_Revenue": pl.Series([1.5, 2.0, None], dtype=pl.Float64),
        "Email_Opt_Out": pl.Series([True, None, False], dtype=pl.Boolean),
        "Closing_Date": pl.Series([dt.date(2024, 2, 29), None, dt.date(1, 1, 1)]),
        "Stamp": pl.Series(
            [dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC), None, None],
            dtype=pl.Datetime("us", "UTC"),
        ),
        "Tags": pl.Series([["x", "y"], [], None], dtype=pl.List(pl.String)),
    }
    chunk.present = {name: pl.Series([True, False, True]) for name in chunk.values}
    chunk.flag(RowCode.INVALID_DATA, "No of: employees, all", pl.Series([False, False, True]))
    chunk.flag(RowCode.MANDATORY_NOT_FOUND, "Last_Name", pl.Series([False, True, False]))
    chunk.key = pl.Series(["a", None, "c"], dtype=pl.String)
    return chunk


def test_a_prepared_chunk_comes_back_exactly(files: LocalStorage) -> None:
    chunk = _prepared()
    chunkfile.put_prepared(files, "7", 0, chunk)
    back = chunkfile.get_prepared(files, "7", 0)
    assert back.size == chunk.size
    assert [s.to_list() for s in back.echo] == [s.to_list() for s in chunk.echo]
    assert list(back.values) == list(chunk.values)  # insert columns keep their order
    for name, series in chunk.values.items():
        assert_series_equal(back.values[name], series, check_names=False)
        assert_series_equal(back.present[name], chunk.present[name], check_names=False)
    assert set(back.errors) == set(chunk.errors)
    for key, mask in chunk.errors.items():
        assert back.errors[key].to_list() == mask.to_list()
    assert back.key is not None and chunk.key is not None
    assert back.key.to_list() == chunk.key.to_list()
    assert back.ok().to_list() == chunk.ok().to_list() == [True, False, False]


def test_a_chunk_without_key_or_errors_and_the_work_dropped(files: LocalStorage) -> None:
    chunk = PreparedChunk(2, [])
    chunkfile.put_prepared(files, "8", 0, chunk)
    chunkfile.put_raw(files, "8", 1, RawChunk.of_rows([["a"], ["b"]], 1))
    back = chunkfile.get_prepared(files, "8", 0)
    assert (back.size, back.key, back.errors, back.values) == (2, None, {}, {})
    chunkfile.drop_work(files, "8", 2)
    assert not files.exists(chunkfile.prepared_key("8", 0))
    assert not files.exists(chunkfile.raw_key("8", 1))
    with pytest.raises(FileNotFoundError):
        chunkfile.get_prepared(files, "8", 0)
