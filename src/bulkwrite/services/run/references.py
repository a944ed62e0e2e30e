"""Resolving lookup and owner cells to record and user ids, in batches per chunk."""

from __future__ import annotations

import polars as pl

from bulkwrite.domain.ids import parse_id
from bulkwrite.domain.modules import REFERENCE_TYPES, FieldType
from bulkwrite.domain.outcome import RowCode
from bulkwrite.domain.standard_inventory import SE_MODULE
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.importer.columns import Column
from bulkwrite.services.run.load import JobRun
from bulkwrite.store.base import Tx


def resolve_references(tx: Tx | None, run: JobRun, chunk: PreparedChunk) -> None:
    """Replace each reference column's keys by ids; flag keys matching none or several.
    Without ``tx`` only owners and users can be resolved (they come with the run)."""
    for column in run.plan.columns:
        name = column.field.api_name
        if column.field.type not in REFERENCE_TYPES or name not in chunk.values:
            continue
        if column.field.lookup_modules:
            _resolve_polymorphic(tx, run, chunk, column)
            continue
        values = chunk.values[name]
        keys = values.drop_nulls().unique(maintain_order=True)
        normal = {k: _key(column, k) for k in keys.to_list()}
        matches = _matches(tx, run, column, list(set(normal.values())))
        found = [matches.get(key, []) for key in normal.values()]  # per distinct cell
        ids = [hits[0] if len(hits) == 1 else None for hits in found]
        chunk.values[name] = _per_row(values, keys, pl.Series(ids, dtype=pl.Int64), None)
        missing = pl.Series([not hits for hits in found], dtype=pl.Boolean)
        several = pl.Series([len(hits) > 1 for hits in found], dtype=pl.Boolean)
        chunk.flag(RowCode.RESOURCE_NOT_FOUND, column.label, _per_row(values, keys, missing, False))
        chunk.flag(RowCode.DUPLICATE_DATA, column.label, _per_row(values, keys, several, False))


def _per_row(
    values: pl.Series, keys: pl.Series, per_key: pl.Series, empty: bool | None
) -> pl.Series:
    """``per_key`` (one value per distinct cell of ``keys``) spread over the rows of ``values``;
    an empty cell gets ``empty``."""
    spread = values.replace_strict(keys, per_key, default=None, return_dtype=per_key.dtype)
    return spread if empty is None else spread.fill_null(empty)


def _resolve_polymorphic(tx: Tx | None, run: JobRun, chunk: PreparedChunk, column: Column) -> None:
    """A polymorphic lookup's keys, each matched in the module its row's ``$se_module``
    names: one batch per target module; a key with no target is ``INVALID_DATA``."""
    name = column.field.api_name
    raw = chunk.values[name].to_list()
    targets = chunk.values[SE_MODULE].to_list() if SE_MODULE in chunk.values else [None] * len(raw)
    wanted: dict[str, set[object]] = {}
    for key, target in zip(raw, targets, strict=True):
        if key is not None and target is not None:
            wanted.setdefault(str(target), set()).add(_key(column, key))
    found = {
        target: _records(tx, run, target, column.find_by or "id", list(keys))
        for target, keys in wanted.items()
    }
    ids: list[int | None] = []
    untargeted, missing, several = [], [], []
    for key, target in zip(raw, targets, strict=True):
        hits = found.get(str(target), {}).get(_key(column, key), []) if key is not None else [0]
        ids.append(hits[0] if key is not None and len(hits) == 1 else None)
        untargeted.append(key is not None and target is None)
        missing.append(target is not None and not hits)
        several.append(len(hits) > 1)
    chunk.values[name] = pl.Series(ids, dtype=pl.Int64)
    se_label = next((c.label for c in run.plan.columns if c.field.api_name == SE_MODULE), SE_MODULE)
    chunk.flag(RowCode.INVALID_DATA, se_label, pl.Series(untargeted))
    chunk.flag(RowCode.RESOURCE_NOT_FOUND, column.label, pl.Series(missing))
    chunk.flag(RowCode.DUPLICATE_DATA, column.label, pl.Series(several))


def _records(
    tx: Tx | None, run: JobRun, module: str, column: str, keys: list[object]
) -> dict[object, list[int]]:
    if tx is None:
        raise ValueError("lookups are resolved in a transaction")
    by_key = tx.match_records(run.tables[module], column, keys)
    return {key: [record_id for record_id, _ in hits] for key, hits in by_key.items()}


def _key(column: Column, raw: object) -> object:
    text = str(raw).strip()
    if column.find_by == "id":
        record_id = parse_id(text)
        return text if record_id is None else int(record_id)
    if column.find_by == "email":
        return text.lower()
    return text


def _matches(
    tx: Tx | None, run: JobRun, column: Column, keys: list[object]
) -> dict[object, list[int]]:
    if column.field.type is not FieldType.LOOKUP:
        attr = "id" if column.find_by == "id" else "email"
        found: dict[object, list[int]] = {}
        for user in run.users:
            key: object = int(user.id) if attr == "id" else user.email.lower()
            found.setdefault(key, []).append(int(user.id))
        return found
    if not keys:
        return {}
    return _records(tx, run, column.field.lookup_module or "", column.find_by or "id", keys)
