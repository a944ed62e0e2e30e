"""Resolving lookup and owner cells to record and user ids, in batches per chunk."""

from __future__ import annotations

from bulkwrite.domain.outcome import RowCode, RowError
from bulkwrite.domain.schema import REFERENCE_TYPES, FieldType
from bulkwrite.importer.plan import Column
from bulkwrite.importer.rows import PreparedRow
from bulkwrite.services.run_context import JobRun
from bulkwrite.store.base import Tx


def resolve_references(tx: Tx, run: JobRun, rows: list[PreparedRow]) -> None:
    """Replace each row's reference keys by ids, or add the row's error."""
    for column in run.plan.columns:
        if column.field.type not in REFERENCE_TYPES:
            continue
        name = column.field.api_name
        keyed = [r for r in rows if name in r.refs]  # every problem of a row is reported
        if not keyed:
            continue
        keys = list({_key(column, r.refs[name]) for r in keyed})
        matches = _matches(tx, run, column, keys)
        for row in keyed:
            found = matches.get(_key(column, row.refs.pop(name)), [])
            if len(found) == 1:
                row.values[name] = found[0]
            else:
                code = RowCode.RESOURCE_NOT_FOUND if not found else RowCode.DUPLICATE_DATA
                row.errors.append(RowError(code, column.label))


def _key(column: Column, raw: object) -> object:
    text = str(raw).strip()
    if column.find_by == "id":
        return int(text) if text.isdigit() and len(text) < 20 else text
    if column.find_by == "email":
        return text.lower()
    return text


def _matches(tx: Tx, run: JobRun, column: Column, keys: list[object]) -> dict[object, list[int]]:
    if column.field.type is not FieldType.LOOKUP:
        attr = "id" if column.find_by == "id" else "email"
        found: dict[object, list[int]] = {}
        for user in run.users:
            key: object = int(user.id) if attr == "id" else user.email.lower()
            found.setdefault(key, []).append(int(user.id))
        return found
    target = column.field.lookup_module or ""
    table = run.tables[target]
    by_key = tx.match_records(table, column.find_by or "id", keys)
    return {key: [record_id for record_id, _ in hits] for key, hits in by_key.items()}
