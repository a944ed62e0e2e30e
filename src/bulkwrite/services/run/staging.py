"""Deciding a chunk's write before its transaction, where nothing in it needs the database.

An insert job with no lookup column and no ``find_by`` decides every row from the chunk alone:
mandatory fields, unique values repeated within the chunk, the row limit; values already stored
are left to the store's unique indexes, as ``write_chunk``'s optimistic check does. Such a chunk
is staged on a thread of its own while the chunk before it is written: ids reserved, records
framed, the store's payload rendered (PostgreSQL's COPY), result rows rendered. Its transaction
then only sends what was staged and records the chunk, so the database is kept busy. If the
staged insert breaks a unique index after all, the chunk goes the full way (``write_chunk``)
in the same transaction.

A dry run of such a job is staged the same way (else it would cost more than the real run on
PostgreSQL, its COPY rendered inside the transaction), but sends no insert: all the store could
tell it is that a unique value is taken, so it asks for each unique field's values instead
(``checked_by_lookup``; a module with a unique link index still sends its staged insert in a
savepoint rolled back, ``services/dry_run.py``). Its result rows have no record id, and a chunk
any of whose unique values the store holds, or an earlier chunk would have stored, goes the
full way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from bulkwrite.domain.children import child_indexes
from bulkwrite.domain.job import ChunkDone, Counts, Operation
from bulkwrite.domain.modules import FieldType
from bulkwrite.errors import RecordConflict
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.services.collaborators import Services
from bulkwrite.services.dry_run import rehearsed
from bulkwrite.services.run.cancelled import check_open
from bulkwrite.services.run.chunk_writer import (
    check_mandatory,
    copy_chunk,
    new_records,
    outcomes,
    unique_names,
    write_chunk,
)
from bulkwrite.services.run.load import JobRun
from bulkwrite.services.run.prefetch import ahead
from bulkwrite.services.run.references import resolve_references
from bulkwrite.services.run.unique import check_unique
from bulkwrite.store.base import StagedInsert, Store, Tx

#: Ids reserved at a time for staged chunks (one store transaction per block).
ID_BLOCK = 100_000


@dataclass(frozen=True)
class StagedChunk:
    """A chunk's write, decided: what to insert, its counts and its rendered result rows."""

    chunk: PreparedChunk  # as prepared: the full way starts again from it
    insert: StagedInsert
    counts: Counts
    rendered: bytes
    #: The chunk as decided (a dry run checks it again and remembers its would-be writes).
    decided: PreparedChunk | None = None

    @property
    def size(self) -> int:
        return self.chunk.size


def stageable(run: JobRun) -> bool:
    """Whether the run's chunks can be decided without the database."""
    plan = run.plan
    lookups = any(c.field.type is FieldType.LOOKUP for c in plan.columns)
    linked = run.links is not None  # a child resource's rows need their parents found
    return plan.operation is Operation.INSERT and plan.key is None and not lookups and not linked


def staged_chunks(
    services: Services, run: JobRun, chunks: Iterator[PreparedChunk]
) -> Iterator[PreparedChunk | StagedChunk]:
    """``chunks``, each staged one chunk ahead of the writer where the run allows it."""
    if not stageable(run):
        return chunks
    ids = IdBlock(services.store)
    return ahead(stage_chunk(services.store, run, ids, chunk) for chunk in chunks)


def stage_chunk(store: Store, run: JobRun, ids: IdBlock, chunk: PreparedChunk) -> StagedChunk:
    """What ``write_chunk`` would decide and write for a chunk of a ``stageable`` run."""
    work = copy_chunk(chunk)
    resolve_references(None, run, work)  # owners and users: they come with the run
    target = pl.repeat(None, work.size, dtype=pl.Int64, eager=True)
    check_mandatory(run, work, target)
    check_unique(None, run, work, target, optimistic=True)
    ok = work.ok()
    count = int(ok.sum())
    first = ids.take(count)
    new_ids = pl.Series(range(first, first + count), dtype=pl.Int64)
    record_ids = target.clone().scatter(ok.arg_true(), new_ids)  # scatter writes in place
    frame, fixed = new_records(run, work, ok, new_ids)
    staged = StagedInsert(run.table, frame, fixed)
    if run.dry is None or not checked_by_lookup(run):  # a dry chunk checked so sends nothing
        staged = store.stage_insert(staged)
    if run.dry is not None:  # rows that would be added get no id
        record_ids = pl.repeat(None, work.size, dtype=pl.Int64, eager=True)
    counts, rendered = outcomes(work, ok, target, record_ids)
    return StagedChunk(chunk, staged, counts, rendered, work if run.dry is not None else None)


def write_staged(tx: Tx, run: JobRun, chunk_no: int, first_row: int, staged: StagedChunk) -> bytes:
    """Write a staged chunk inside ``tx`` (the full way if its insert breaks a unique index);
    returns its result rows."""
    check_open(tx, run.job.id)  # a cancelled job writes no further chunk (services/cancel.py)
    if run.dry is not None and not _rehearse_staged(tx, run, first_row, staged):
        return write_chunk(tx, run, chunk_no, first_row, copy_chunk(staged.chunk))
    try:
        if run.dry is None:
            tx.insert_staged(staged.insert)  # writes nothing if it raises
    except RecordConflict:  # a value stored before: every row checked against the store
        return write_chunk(tx, run, chunk_no, first_row, copy_chunk(staged.chunk))
    tx.save_chunk(
        run.job.id, ChunkDone(chunk_no, first_row, staged.counts, staged.size, staged.rendered)
    )
    return staged.rendered


def _rehearse_staged(tx: Tx, run: JobRun, first_row: int, staged: StagedChunk) -> bool:
    """A dry run's staged chunk: sent and rolled back, its would-be writes remembered; False
    when it must go the full way (an earlier chunk would have stored one of its unique values,
    or the store holds one)."""
    dry, work = run.dry, staged.decided
    assert dry is not None and work is not None
    dry.begin(first_row)
    target = pl.repeat(None, work.size, dtype=pl.Int64, eager=True)
    uniques = {n: work.values[n] for n in unique_names(run) if n in work.values}
    for name, values in uniques.items():
        candidates = work.ok() & work.present[name] & values.is_not_null()
        if bool(dry.taken(name, values, candidates, target).any()):
            return False
    if checked_by_lookup(run):
        if any(_stored(tx, run, name, values, work) for name, values in uniques.items()):
            return False
    else:
        try:
            rehearsed(tx, lambda: tx.insert_staged(staged.insert))
        except RecordConflict:
            return False
    dry.remember(work.key, uniques, work.ok(), target)
    return True


def checked_by_lookup(run: JobRun) -> bool:
    """Whether the only index a staged insert of the run could break is a unique field's (a
    child module's link index spans two columns): then a dry run asks the store for each
    unique field's values instead of inserting the records and rolling them back."""
    return not any(index.unique for index in child_indexes(run.plan.module))


def _stored(tx: Tx, run: JobRun, name: str, values: pl.Series, work: PreparedChunk) -> bool:
    """Whether the store holds any value of the unique field ``name`` the chunk's rows would
    insert (the insert would break its unique index)."""
    inserted = work.ok() & work.present[name] & values.is_not_null()
    if not bool(inserted.any()):
        return False
    return not tx.match_frame(run.table, name, values.filter(inserted)).is_empty()


class IdBlock:
    """Record ids reserved ``ID_BLOCK`` at a time (ids left over at the end stay unused)."""

    def __init__(self, store: Store, size: int = ID_BLOCK) -> None:
        self._store, self._size = store, size
        self._next = self._left = 0
        self._lock = threading.Lock()

    def take(self, count: int) -> int:
        """The first of ``count`` consecutive ids no one else gets."""
        with self._lock:
            if count > self._left:
                reserve = max(count, self._size)
                with self._store.transaction() as tx:
                    self._next = tx.allocate_ids(reserve)
                self._left = reserve
            first = self._next
            self._next += count
            self._left -= count
            return first
