"""Unique fields: a value already held by another record, or repeated earlier in the chunk."""

from __future__ import annotations

import polars as pl

from bulkwrite.domain.outcome import RowCode
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.services.run.load import JobRun
from bulkwrite.store.base import Tx


def labels_flagged(chunk: PreparedChunk, label: str) -> pl.Series:
    """Rows with any problem already reported for the column ``label``."""
    flagged = pl.repeat(False, chunk.size, eager=True)
    for (_, column), mask in chunk.errors.items():
        if column == label:
            flagged = flagged | mask
    return flagged


def check_unique(
    tx: Tx | None, run: JobRun, chunk: PreparedChunk, target: pl.Series, optimistic: bool = False
) -> None:
    """Flag DUPLICATE_DATA where a row would give a unique field a value already taken.

    ``optimistic`` checks new records against the chunk only, leaving the store's own values
    to its unique indexes (the caller retries with a full check if an insert conflicts); then
    only updates ask the store, so a chunk of new records needs no ``tx``.
    """
    key = run.plan.key.field.api_name if run.plan.key is not None else None
    labels = {c.field.api_name: c.label for c in run.plan.columns}
    for unique in run.plan.module.unique_fields:
        name = unique.api_name
        if name == key or name not in chunk.values:
            continue  # the key match already bound or refused every row with this value
        values = chunk.values[name]
        candidates = chunk.ok() & chunk.present[name] & values.is_not_null()
        if not bool(candidates.any()):
            continue
        asked = candidates & target.is_not_null() if optimistic else candidates
        taken = None
        if asked.any():
            if tx is None:
                raise ValueError("stored values are checked in a transaction")
            taken = tx.match_frame(run.table, name, values.filter(asked))
        check = _duplicates if values.dtype in (pl.String, pl.Int64) else _duplicates_by_value
        duplicate = check(values, candidates, target, taken)
        if run.dry is not None:  # values an earlier chunk of a dry run would have stored
            duplicate = duplicate | run.dry.taken(name, values, candidates, target)
        chunk.flag(RowCode.DUPLICATE_DATA, labels.get(name, name), duplicate)


def _duplicates(
    values: pl.Series, candidates: pl.Series, target: pl.Series, taken: pl.DataFrame | None
) -> pl.Series:
    """Candidates whose value an earlier candidate claimed, or a record other than the row's
    target holds (``taken``: the records holding the values asked about; None: none asked)."""
    keyed = values.zip_with(
        candidates, pl.repeat(None, len(values), dtype=values.dtype, eager=True)
    )
    claimed = candidates & ~keyed.is_first_distinct()  # an earlier candidate has the value
    if taken is None or taken.is_empty():
        return claimed
    owners = taken.group_by("key").agg(owners=pl.col("id").n_unique(), owner=pl.col("id").first())
    rows = pl.DataFrame({"key": values, "c": candidates, "t": target})
    joined = rows.join(owners, on="key", how="left", maintain_order="left")
    n = pl.col("owners").fill_null(0)
    others = (n > 1) | ((n == 1) & (pl.col("t").is_null() | (pl.col("owner") != pl.col("t"))))
    held = joined.select(held=pl.col("c") & others.fill_null(False))["held"]
    return claimed | held


def _duplicates_by_value(
    values: pl.Series, candidates: pl.Series, target: pl.Series, taken: pl.DataFrame | None
) -> pl.Series:
    """``_duplicates`` by Python equality, for values polars might compare otherwise
    (floats: ``0.0 == -0.0``)."""
    owners: dict[object, set[object]] = {}
    pairs = (taken["key"].to_list(), taken["id"].to_list()) if taken is not None else ([], [])
    for value, record_id in zip(*pairs, strict=True):
        owners.setdefault(value, set()).add(record_id)
    claimed: set[object] = set()
    duplicate = []
    for value, candidate, row_target in zip(
        values.to_list(), candidates.to_list(), target.to_list(), strict=True
    ):
        if not candidate:
            duplicate.append(False)
            continue
        others = owners.get(value, set()) - {row_target}
        duplicate.append(value in claimed or bool(others))
        claimed.add(value)
    return pl.Series(duplicate, dtype=pl.Boolean)
