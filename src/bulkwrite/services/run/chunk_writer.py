"""One chunk of a job: decide each row's fate, write records, render its result rows.

The chunk is converted column by column before its transaction opens (``prepare``); then, inside
the chunk's single transaction (DESIGN.md rule 4), keys and references are matched in batches,
records written, and the result rows and counters saved (``write_chunk``).
"""

from __future__ import annotations

import dataclasses

import polars as pl

from bulkwrite.clock import iso
from bulkwrite.domain.job import ChunkDone, Counts, Operation
from bulkwrite.domain.modules import INTEGER_TYPES, STAMPED, TEXT_TYPES
from bulkwrite.domain.outcome import RowCode, RowStatus
from bulkwrite.errors import RecordConflict
from bulkwrite.files.result_zip import result_csv_frame
from bulkwrite.importer.chunk import PreparedChunk, RawChunk
from bulkwrite.services.dry_run import rehearsed
from bulkwrite.services.run.cancelled import check_open
from bulkwrite.services.run.convertchild import prepare_cells
from bulkwrite.services.run.load import JobRun
from bulkwrite.services.run.references import resolve_references
from bulkwrite.services.run.unique import check_unique, labels_flagged
from bulkwrite.store.base import Tx

AUDIT_COLUMNS = ("Owner", "Created_Time", "Modified_Time", "Created_By", "Modified_By")


def prepare(run: JobRun, first_row: int, cells: list[list[str]] | RawChunk) -> PreparedChunk:
    """The pure part of a chunk (cell conversion), done before its transaction opens (the
    converter process does the same, ``convertchild.prepare_cells``)."""
    return prepare_cells(run.plan, run.job.spec.ignore_empty, run.max_rows, first_row, cells)


def copy_chunk(chunk: PreparedChunk) -> PreparedChunk:
    """A copy an attempt at writing may mark without changing the original."""
    return dataclasses.replace(
        chunk, values=dict(chunk.values), present=dict(chunk.present), errors=dict(chunk.errors)
    )


def write_chunk(tx: Tx, run: JobRun, chunk_no: int, first_row: int, chunk: PreparedChunk) -> bytes:
    """Decide, write and record one prepared chunk inside ``tx``; returns its result rows.
    A dry run's writes are rolled back (``services/dry_run.py``), its outcomes kept."""
    check_open(tx, run.job.id)  # a cancelled job writes no further chunk (services/cancel.py)
    if run.dry is None:
        target, record_ids = _decide_and_write(tx, run, first_row, chunk)
    else:
        target, record_ids = rehearse_chunk(tx, run, first_row, chunk)
    counts, rendered = outcomes(chunk, chunk.ok(), target, record_ids)
    tx.save_chunk(run.job.id, ChunkDone(chunk_no, first_row, counts, chunk.size, rendered))
    return rendered


def rehearse_chunk(
    tx: Tx, run: JobRun, first_row: int, chunk: PreparedChunk
) -> tuple[pl.Series, pl.Series]:
    """A dry run's chunk: decided and written as for real, then rolled back; its would-be
    writes remembered for the chunks after it. Rows that would add a record get no id."""
    assert run.dry is not None
    run.dry.begin(first_row)
    target, record_ids = rehearsed(tx, lambda: _decide_and_write(tx, run, first_row, chunk))
    written = chunk.ok()
    uniques = {n: chunk.values[n] for n in unique_names(run) if n in chunk.values}
    run.dry.remember(chunk.key, uniques, written, target)
    nulls = pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True)
    return target, record_ids.zip_with(target.is_not_null(), nulls)


def unique_names(run: JobRun) -> list[str]:
    """The unique fields of the run's module other than its ``find_by`` key."""
    key = run.plan.key.field.api_name if run.plan.key is not None else None
    return [f.api_name for f in run.plan.module.unique_fields if f.api_name != key]


def _decide_and_write(
    tx: Tx, run: JobRun, first_row: int, chunk: PreparedChunk
) -> tuple[pl.Series, pl.Series]:
    """Every check of a chunk's rows, then its writes: each row's target (the record it
    updates) and record id (null: skipped)."""
    if run.links is not None:
        run.links.attach(chunk, first_row)
    resolve_references(tx, run, chunk)
    target = _match_keys(tx, run, chunk)
    check_mandatory(run, chunk, target)
    before = dict(chunk.errors)
    check_unique(tx, run, chunk, target, optimistic=True)
    stamp = iso(tx.clock())
    kept = _kept_links(tx, run, chunk)
    try:
        with tx.savepoint():
            record_ids = _write(tx, run, chunk, chunk.ok() & kept.is_null(), target, stamp)
    except RecordConflict:  # a new record's unique value is already stored: check them all
        chunk.errors = before
        check_unique(tx, run, chunk, target)
        new = chunk.ok() & kept.is_null()
        record_ids = _write_bisecting(tx, run, chunk, new, target, stamp)
    return target, record_ids.zip_with(kept.is_null(), kept)


def _kept_links(tx: Tx, run: JobRun, chunk: PreparedChunk) -> pl.Series:
    """A child resource's rows that are links stored already: their ids (null: rows to
    write); what the rows need first is done (an updated parent's old subform rows go)."""
    if run.links is None:
        return pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True)
    return run.links.before_write(tx, run.table, run.job_id, chunk, run.dry)


def _match_keys(tx: Tx, run: JobRun, chunk: PreparedChunk) -> pl.Series:
    """The id of the record each row updates (null: the row creates one, or is skipped)."""
    key, column = chunk.key, run.plan.key
    if key is None or column is None:
        return pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True)
    operation, label = run.plan.operation, column.label
    found = tx.match_frame(run.table, column.field.api_name, key)
    hits = found.group_by("key").agg(
        n=pl.len(), id=pl.col("id").min(), mine=(pl.col("job") == run.job_id).any()
    )
    hits = hits.rename({"key": "k"}).with_columns(pl.col("n").cast(pl.Int64))
    rows = pl.DataFrame({"k": key, "clean": chunk.ok(), "i": pl.int_range(chunk.size, eager=True)})
    first = (
        rows.filter(pl.col("clean") & pl.col("k").is_not_null())
        .group_by("k")
        .agg(pl.col("i").min().alias("first"))
    )
    joined = rows.join(hits, on="k", how="left", maintain_order="left").join(
        first, on="k", how="left", maintain_order="left"
    )
    has_key, n = pl.col("k").is_not_null(), pl.col("n").fill_null(0)
    repeated = (pl.col("first") < pl.col("i")).fill_null(False) | pl.col("mine").fill_null(False)
    if run.dry is not None:  # an earlier chunk of a dry run would have written the key
        joined = joined.with_columns(earlier=run.dry.written_keys(key))
        repeated = repeated | pl.col("earlier")
    inserting, updating = operation is Operation.INSERT, operation is Operation.UPDATE
    decided = joined.select(
        dup=has_key & (repeated | (n > 1) | ((n > 0) & pl.lit(inserting))),
        unmatched=has_key & (n == 0) & pl.lit(updating),
        target=pl.col("id"),
    )
    duplicate = decided["dup"]
    chunk.flag(RowCode.DUPLICATE_DATA, label, duplicate)
    chunk.flag(RowCode.RESOURCE_NOT_FOUND, label, decided["unmatched"])
    if updating:
        blank = key.is_null() & ~labels_flagged(chunk, label)
        chunk.flag(RowCode.MANDATORY_NOT_FOUND, label, blank)
    nulls = pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True)
    return decided["target"].zip_with(~duplicate, nulls)


def check_mandatory(run: JobRun, chunk: PreparedChunk, target: pl.Series) -> None:
    """Mandatory fields a new record lacks, or an update would clear."""
    if run.plan.operation is Operation.UPDATE:
        creating = pl.repeat(False, chunk.size, eager=True)
    else:
        creating = target.is_null()
    for name, label in run.plan.mandatory:
        values = chunk.values.get(name)
        if values is None:
            missing = creating
        else:
            cleared = chunk.present[name] & values.is_null()
            missing = (creating & values.is_null()) | (~creating & cleared)
        chunk.flag(RowCode.MANDATORY_NOT_FOUND, label, missing & ~labels_flagged(chunk, label))


def _write_bisecting(
    tx: Tx, run: JobRun, chunk: PreparedChunk, rows: pl.Series, target: pl.Series, stamp: str
) -> pl.Series:
    """``_write`` of ``rows``; while the write breaks a unique index all the same (a value
    another job committed after the check), each half is written on its own, down to the
    single rows to skip as DUPLICATE_DATA."""
    positions = rows.arg_true()
    try:
        with tx.savepoint():
            return _write(tx, run, chunk, rows, target, stamp)
    except RecordConflict as conflict:
        if len(positions) == 1:
            chunk.flag(RowCode.DUPLICATE_DATA, _conflict_label(run, conflict), rows)
            return pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True)
    first = pl.repeat(False, chunk.size, eager=True).scatter(positions[: len(positions) // 2], True)
    written = _write_bisecting(tx, run, chunk, first, target, stamp)
    rest = _write_bisecting(tx, run, chunk, rows & ~first, target, stamp)
    return written.zip_with(written.is_not_null(), rest)


def _conflict_label(run: JobRun, conflict: RecordConflict) -> str:
    """The column a broken unique index is on: the field the store names, else the first
    unique field mapped."""
    labels = {c.field.api_name: c.label for c in run.plan.columns}
    name = conflict.details.get("api_name")
    if isinstance(name, str) and name in labels:
        return labels[name]
    unique = [labels[f.api_name] for f in run.plan.module.unique_fields if f.api_name in labels]
    return unique[0] if unique else str(name or run.plan.module.api_name)


def _write(
    tx: Tx, run: JobRun, chunk: PreparedChunk, ok: pl.Series, target: pl.Series, stamp: str
) -> pl.Series:
    """Insert and update the rows that passed; returns each row's record id (null: skipped)."""
    creates = ok & target.is_null()
    updates = ok & target.is_not_null()
    record_ids = target.zip_with(updates, pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True))
    count = int(creates.sum())
    if count:
        first = tx.allocate_ids(count)
        new_ids = pl.Series(range(first, first + count), dtype=pl.Int64)
        positions = creates.arg_true()
        record_ids = record_ids.scatter(positions, new_ids)
        _insert(tx, run, chunk, creates, new_ids, stamp)
    if bool(updates.any()) and run.dry is None:  # a dry run's updates would be undone: their
        _update(tx, run, chunk, updates, target, stamp)  # unique values were checked already
    return record_ids


def _insert(
    tx: Tx, run: JobRun, chunk: PreparedChunk, rows: pl.Series, ids: pl.Series, stamp: str
) -> None:
    frame, fixed = new_records(run, chunk, rows, ids)
    tx.insert_frame(run.table, frame, fixed | dict.fromkeys(STAMPED, stamp))


def new_records(
    run: JobRun, chunk: PreparedChunk, rows: pl.Series, ids: pl.Series
) -> tuple[pl.DataFrame, dict[str, object]]:
    """The records ``rows`` create, with ``ids``: a frame, and the values fixed for them all
    (but the ``STAMPED`` times, the writing transaction's)."""
    names = [n for n in chunk.values if n not in AUDIT_COLUMNS]
    owner = chunk.values.get("Owner")
    columns: dict[str, pl.Series] = {"id": ids}
    fixed: dict[str, object] = {"_job": run.job_id}
    if owner is not None:
        columns["Owner"] = owner.filter(rows).fill_null(run.user_id)
    else:
        fixed["Owner"] = run.user_id
    fixed |= {"Created_By": run.user_id, "Modified_By": run.user_id}
    frame = pl.DataFrame({**columns, **{n: chunk.values[n].filter(rows) for n in names}})
    return frame, fixed


def _update(
    tx: Tx, run: JobRun, chunk: PreparedChunk, rows: pl.Series, target: pl.Series, stamp: str
) -> None:
    """One statement per set of fields present (``ignore_empty`` leaves some alone). The key
    the records were found by is left as it is where it can only equal the row's value."""
    kept = ("Created_Time", "Created_By", _unchanged_key(run))
    names = [n for n in chunk.values if n not in kept]
    present = pl.DataFrame({f"p{i}": chunk.present[n] for i, n in enumerate(names)})
    values = pl.DataFrame({f"v{i}": chunk.values[n] for i, n in enumerate(names)})
    if names:
        frame = pl.concat([present, values], how="horizontal").with_columns(target.alias("_target"))
    else:  # nothing but the key mapped (a parent named only to take child rows)
        frame = pl.DataFrame({"_target": target, "_all": pl.repeat(True, chunk.size, eager=True)})
    frame = frame.filter(rows)
    fixed = {"Modified_Time": stamp, "Modified_By": run.user_id, "_job": run.job_id}
    for pattern, group in frame.group_by([f"p{i}" for i in range(len(names))] or ["_all"]):
        chosen = [i for i, flag in enumerate(pattern) if flag is True] if names else []
        changes = group.select(
            *(pl.col(f"v{i}").alias(names[i]) for i in chosen), pl.col("_target").alias("id")
        )
        tx.update_frame(run.table, changes, fixed)


def _unchanged_key(run: JobRun) -> str | None:
    """The find_by field whose matched records hold exactly the row's value: text and integers
    match byte for byte, so setting them again would change nothing but index entries."""
    key = run.plan.key
    if key is None or key.field.type not in TEXT_TYPES | INTEGER_TYPES:
        return None
    return key.field.api_name


def outcomes(
    chunk: PreparedChunk, ok: pl.Series, target: pl.Series, record_ids: pl.Series
) -> tuple[Counts, bytes]:
    updated = ok & target.is_not_null()
    added = ok & target.is_null()
    status = pl.select(
        pl.when(pl.lit(added))
        .then(pl.lit(RowStatus.ADDED.value))
        .when(pl.lit(updated))
        .then(pl.lit(RowStatus.UPDATED.value))
        .otherwise(pl.lit(RowStatus.SKIPPED.value))
    ).to_series()
    n_added, n_updated = int(added.sum()), int(updated.sum())
    counts = Counts(n_added, n_updated, chunk.size - n_added - n_updated)
    frame = pl.DataFrame(
        {
            **{f"e{i}": s for i, s in enumerate(chunk.echo)},
            "status": status,
            "id": record_ids.cast(pl.String),
            "errors": _error_text(chunk),
        }
    )
    return counts, result_csv_frame(frame)


def _error_text(chunk: PreparedChunk) -> pl.Series:
    """``CODE-col1,col2:CODE2-col3`` per row: codes in RowCode order, columns alphabetically."""
    parts = []
    for code in RowCode:
        masks = sorted(
            ((label, mask) for (c, label), mask in chunk.errors.items() if c is code),
            key=lambda item: item[0],
        )
        if not masks:
            continue
        labels = pl.concat_str(
            [pl.when(pl.lit(mask)).then(pl.lit(label)) for label, mask in masks],
            separator=",",
            ignore_nulls=True,
        )
        parts.append(pl.when(labels != "").then(pl.lit(f"{code.value}-") + labels))
    if not parts:
        return pl.repeat("", chunk.size, eager=True)
    text = pl.concat_str(parts, separator=":", ignore_nulls=True).fill_null("")
    return pl.select(text.alias("errors")).to_series()
