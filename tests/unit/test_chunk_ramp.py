"""A job's chunks start small (``csvsource.ramped``): the first write begins after a few rows are
converted. The chunks hold the same rows in the same order as fixed-size ones, each chunk's size
depends only on the row it starts at (a resumed run reads the chunks the first run would have),
and every multiple of the chunk size still ends a chunk."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkwrite.files.csvsource import RAMP_MIN, CsvDialect, CsvSource, ramped

UTF8 = CsvDialect("utf-8", ",")


def sizes_from(path: Path, size: int, skip: int) -> list[int]:
    with CsvSource(path, UTF8) as source:
        return [chunk.size for chunk in source.raw_chunks(ramped(size), 2, skip=skip)]


def cells_from(path: Path, size: int | None) -> list[str]:
    with CsvSource(path, UTF8) as source:
        chunks = source.raw_chunks(ramped(size) if size else 10**6, 2)
        return [cell for chunk in chunks for cell in chunk.columns[0].to_list()]


@pytest.fixture(params=["native", "csv module"])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    stray = 'x"y,0\n' if request.param == "csv module" else ""  # a stray quote: not native
    rows = "".join(f"{n},v{n}\n" + ("\n" if n % 7 == 0 else "") for n in range(20_000))
    path = tmp_path / "rows.csv"
    path.write_text("n,v\n" + stray + rows, encoding="utf-8")
    return path


def test_the_first_chunk_size_is_ramped_up_to(table: Path) -> None:
    rows = 20_000 + (1 if "x" in table.read_text()[:20] else 0)
    sizes = sizes_from(table, 8000, 0)
    assert sizes[:4] == [1000, 2000, 5000, 8000]
    assert sum(sizes) == rows
    assert cells_from(table, 8000) == cells_from(table, None)


def test_a_run_resumed_at_a_chunks_end_reads_the_same_chunks(table: Path) -> None:
    sizes = sizes_from(table, 8000, 0)
    for done in (1, 2, 3):
        assert sizes_from(table, 8000, sum(sizes[:done])) == sizes[done:]


def test_every_multiple_of_the_chunk_size_still_ends_a_chunk(table: Path) -> None:
    # a run begun with fixed chunks (before the ramp) resumes at a multiple of the size
    rows = sum(sizes_from(table, 8000, 0))
    assert sizes_from(table, 8000, 8000) == [8000, rows - 16000]


def test_small_chunks_are_not_ramped() -> None:
    small = ramped(RAMP_MIN - 1)
    assert {small(row) for row in (0, 1, 5, RAMP_MIN)} == {RAMP_MIN - 1}
    big = ramped(20_000)
    assert [big(0), big(2_500), big(7_500), big(20_000), big(40_000)] == [2_500, 5_000, 12_500] + [
        20_000
    ] * 2
