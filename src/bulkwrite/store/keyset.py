"""Keyset reads of a record table (records paging by ``page_token``, contract section 10).

Records are read in the order (sort key, id), both ascending or both descending, a NULL key
lowest (first when ascending, last when descending): the order ``page`` reads in too. A page
after a ``Position`` is read without scanning what came before: rows whose key is NULL and rows
whose key is not are two segments, each read in its own index order (so a store's index on the
key, or the primary key for ``id``, serves it as a range), the second only when the first runs
out within the page.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A sort key as a store compares it: SQLite's value, PostgreSQL's text of it, or an id.
Key = str | int | float | None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: the sort key of its last record and its id."""

    key: Key
    id: int


@dataclass(frozen=True, slots=True)
class Segment:
    """The rows whose sort key is NULL (``nulls``) or not, from the start or after ``after``."""

    nulls: bool
    after: Position | None


def segments(order_by: str, descending: bool, after: Position | None) -> list[Segment]:
    """The segments a read after ``after`` goes through, in order (``id`` is never NULL)."""
    if order_by == "id":
        return [Segment(False, after)]
    order = [False, True] if descending else [True, False]
    if after is None:
        return [Segment(nulls, None) for nulls in order]
    start = order.index(after.key is None)
    return [Segment(order[start], after), *(Segment(n, None) for n in order[start + 1 :])]


def sort_key(value: object) -> Key:
    """A key read from the store, as a ``Position`` keeps it."""
    if value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return int(value)  # a bool is 0/1 already in SQLite; keep plain ints
    return str(value)
