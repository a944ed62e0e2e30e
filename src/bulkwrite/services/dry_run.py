"""Dry runs (beyond-zoho.md §4): the whole pipeline of a job, its result file, no record kept.

Each chunk is decided and written inside its transaction as in a real run, in a savepoint that
is then rolled back (``rehearsed``): the store's own checks (unique indexes, lookups, find_by
matches) answer as they would, and only the job's bookkeeping and per-row outcomes commit. What
the earlier chunks of the file would have written is not in the store, so a ``Rehearsal`` keeps
it for the chunks after them: the find_by keys written (a later row with one is a repeat in the
file, DUPLICATE_DATA) and each unique field's values with the record that would hold them.
A run that resumes a dry run mid-file replays the chunks before it first (``runner.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

from bulkwrite.domain.job import Job
from bulkwrite.store.base import Tx

T = TypeVar("T")


class _RolledBack(Exception):
    """Raised through a savepoint to undo it; carries what the block returned."""

    def __init__(self, value: object) -> None:
        super().__init__("rolled back")
        self.value = value


def rehearsed(tx: Tx, block: Callable[[], T]) -> T:
    """``block()`` in a savepoint of ``tx`` that is rolled back after it: its answer, none
    of its writes."""
    try:
        with tx.savepoint():
            raise _RolledBack(block())
    except _RolledBack as undone:
        return undone.value  # type: ignore[return-value]


@dataclass
class _Writes:
    """What some rows of a dry run would have written."""

    keys: set[object] = field(default_factory=set)  # find_by values
    #: unique field -> value -> the record a row updated with it (None: a record it added)
    unique: dict[str, dict[object, int | None]] = field(default_factory=dict)
    pairs: set[tuple[object, object]] = field(default_factory=set)  # links (parent, other side)

    def merge(self, other: _Writes) -> None:
        self.keys |= other.keys
        self.pairs |= other.pairs
        for name, values in other.unique.items():
            held = self.unique.setdefault(name, {})
            for value, owner in values.items():
                held.setdefault(value, owner)


@dataclass
class Rehearsal:
    """What the chunks of a dry run decided so far would have written (one resource). The
    chunk being rehearsed keeps its own apart (``begin``): an attempt at it that is tried again
    must not see itself."""

    earlier: _Writes = field(default_factory=_Writes)
    current: _Writes = field(default_factory=_Writes)
    first_row: int = -1  # the chunk ``current`` is of

    def begin(self, first_row: int) -> None:
        """A chunk starting at ``first_row`` is rehearsed: the one before it is done."""
        if first_row > self.first_row >= 0:
            self.earlier.merge(self.current)
        self.current, self.first_row = _Writes(), first_row

    def written_keys(self, key: pl.Series) -> pl.Series:
        """Rows whose find_by value an earlier chunk's written row had."""
        keys = self.earlier.keys
        return pl.Series([k is not None and k in keys for k in key.to_list()], dtype=pl.Boolean)

    def taken(
        self, name: str, values: pl.Series, candidates: pl.Series, target: pl.Series
    ) -> pl.Series:
        """Candidates whose unique ``name`` value an earlier chunk gave another record."""
        held = self.earlier.unique.get(name, {})
        if not held:
            return pl.repeat(False, len(values), eager=True)
        flags = []
        for value, candidate, row_target in zip(
            values.to_list(), candidates.to_list(), target.to_list(), strict=True
        ):
            owner = held.get(value, False) if candidate else False
            flags.append(owner is not False and (owner is None or owner != row_target))
        return pl.Series(flags, dtype=pl.Boolean)

    def earlier_pairs(self) -> set[tuple[object, object]]:
        """The links earlier chunks would have written (a copy)."""
        return set(self.earlier.pairs)

    def wrote_pair(self, pair: tuple[object, object]) -> None:
        self.current.pairs.add(pair)

    def remember(
        self,
        key: pl.Series | None,
        uniques: dict[str, pl.Series],
        written: pl.Series,
        target: pl.Series,
    ) -> None:
        """Keep what the rows ``written`` of the current chunk would have stored."""
        if key is not None:
            self.current.keys.update(k for k in key.filter(written).to_list() if k is not None)
        targets = target.filter(written).to_list()
        for name, values in uniques.items():
            held = self.current.unique.setdefault(name, {})
            for value, owner in zip(values.filter(written).to_list(), targets, strict=True):
                if value is not None and value not in held:
                    held[value] = owner


def rehearsal_of(job: Job) -> Rehearsal | None:
    """A new run's rehearsal: one for a dry run, None for a real one."""
    return Rehearsal() if job.spec.dry_run else None


def placeholder_id(row: int) -> int:
    """The id a dry run gives the record parent row ``row`` would add, for its children to
    link to (negative: no record has it); their results show no id."""
    return -(row + 1)


def placeholder_ids(rows: pl.Expr) -> pl.Expr:
    """``placeholder_id`` of each parent row number of ``rows``, at column speed."""
    return -(rows.cast(pl.Int64) + 1)


def dry_run_details(job: Job) -> dict[str, Any]:
    """The details keys of a dry run (``services/details.py``): ``"dry_run": true``."""
    return {"dry_run": True} if job.spec.dry_run else {}
