"""Unique fields: a value already held by another record, or repeated earlier in the chunk."""

from __future__ import annotations

import polars as pl

from bulkwrite.domain.outcome import RowCode
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.services.run_context import JobRun
from bulkwrite.store.base import Tx


def labels_flagged(chunk: PreparedChunk, label: str) -> pl.Series:
    """Rows with any problem already reported for the column ``label``."""
    flagged = pl.repeat(False, chunk.size, eager=True)
    for (_, column), mask in chunk.errors.items():
        if column == label:
            flagged = flagged | mask
    return flagged


def check_unique(
    tx: Tx, run: JobRun, chunk: PreparedChunk, target: pl.Series, optimistic: bool = False
) -> None:
    """Flag DUPLICATE_DATA where a row would give a unique field a value already taken.

    ``optimistic`` checks new records against the chunk only, leaving the store's own values
    to its unique indexes (the caller retries with a full check if an insert conflicts).
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
        wanted = values.filter(asked).unique().to_list()
        taken = tx.match_records(run.table, name, wanted) if wanted else {}
        owners = {value: {rid for rid, _ in hits} for value, hits in taken.items()}
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
        chunk.flag(RowCode.DUPLICATE_DATA, labels.get(name, name), pl.Series(duplicate))
