"""One chunk of a job: decide each row's fate, write records, render its result rows.

Everything here runs inside the chunk's single transaction (DESIGN.md rule 4).
"""

from __future__ import annotations

from dataclasses import dataclass

from bulkwrite.domain.job import Counts, Operation
from bulkwrite.domain.outcome import RowCode, RowError, RowStatus, render_errors
from bulkwrite.files.results import result_csv_rows
from bulkwrite.importer.rows import PreparedRow, mandatory_errors, prepare_rows
from bulkwrite.services.references import resolve_references
from bulkwrite.services.run_context import JobRun
from bulkwrite.store.base import Tx
from bulkwrite.store.serialize import db_adapter, iso, now, to_db_value

AUDIT_COLUMNS = ("Owner", "Created_Time", "Modified_Time", "Created_By", "Modified_By")


@dataclass(slots=True)
class Decision:
    """A row bound for the store: created (target None) or updating ``target``."""

    row: PreparedRow
    target: int | None = None
    record_id: int = 0
    status: RowStatus = RowStatus.SKIPPED


def prepare_chunk(run: JobRun, first_row: int, cells: list[list[str]]) -> list[PreparedRow]:
    """The pure part of a chunk (cell conversion), done before its transaction opens."""
    rows = prepare_rows(cells, run.plan, run.job.spec.ignore_empty)
    if first_row + len(rows) > run.max_rows:
        for offset, row in enumerate(rows):
            if first_row + offset >= run.max_rows:
                row.errors.append(RowError(RowCode.LIMIT_EXCEEDED, run.plan.module.api_name))
    return rows


def write_chunk(
    tx: Tx, run: JobRun, chunk_no: int, first_row: int, rows: list[PreparedRow]
) -> Counts:
    """Decide, write and record one prepared chunk inside ``tx``; returns its counts."""
    resolve_references(tx, run, rows)
    decisions = _match_keys(tx, run, rows)
    _check_unique(tx, run, decisions)
    _write(tx, run, [d for d in decisions if d.row.ok])
    counts, rendered = _outcomes(run, rows, decisions)
    tx.save_chunk(run.job.id, chunk_no, first_row, counts, len(rows), rendered)
    return counts


def _match_keys(tx: Tx, run: JobRun, rows: list[PreparedRow]) -> list[Decision]:
    """Bind each row to the record it updates (or none: it creates); collect every problem."""
    plan, key = run.plan, run.plan.key
    found: dict[object, list[tuple[int, int | None]]] = {}
    if key is not None:
        keys = list({r.key for r in rows if r.key is not None})
        found = tx.match_records(run.table, key.field.api_name, keys) if keys else {}
    seen: set[object] = set()
    decisions = []
    for row in rows:
        decision = Decision(row)
        clean = row.ok
        if key is not None:
            _decide_keyed(run, decision, found.get(row.key, []), seen, key.label)
        creating = decision.target is None and plan.operation is not Operation.UPDATE
        row.errors.extend(mandatory_errors(row, plan, creating))
        if row.ok:
            decisions.append(decision)
        if clean and key is not None and row.key is not None:
            seen.add(row.key)
    return decisions


def _decide_keyed(
    run: JobRun,
    decision: Decision,
    matches: list[tuple[int, int | None]],
    seen: set[object],
    label: str,
) -> None:
    row, operation = decision.row, run.plan.operation
    if row.key is None:
        if operation is Operation.UPDATE:
            row.errors.append(RowError(RowCode.MANDATORY_NOT_FOUND, label))
        return
    repeated = row.key in seen or any(job == run.job_id for _, job in matches)
    if repeated or len(matches) > 1 or (matches and operation is Operation.INSERT):
        row.errors.append(RowError(RowCode.DUPLICATE_DATA, label))
    elif matches:
        decision.target = matches[0][0]
    elif operation is Operation.UPDATE:
        row.errors.append(RowError(RowCode.RESOURCE_NOT_FOUND, label))


def _check_unique(tx: Tx, run: JobRun, decisions: list[Decision]) -> None:
    labels = {c.field.api_name: c.label for c in run.plan.columns}
    key = run.plan.key.field.api_name if run.plan.key is not None else None
    for unique in run.plan.module.unique_fields:
        name = unique.api_name
        if name == key:
            continue  # the key match already bound or refused every row with this value
        candidates = [d for d in decisions if d.row.ok and d.row.values.get(name) is not None]
        if not candidates:
            continue
        values = list({to_db_value(d.row.values[name]) for d in candidates})
        taken = tx.match_records(run.table, name, values)
        claimed: set[object] = set()
        for decision in candidates:
            value = to_db_value(decision.row.values[name])
            owners = [rid for rid, _ in taken.get(value, []) if rid != decision.target]
            if value in claimed or owners:
                decision.row.errors.append(RowError(RowCode.DUPLICATE_DATA, labels.get(name, name)))
            else:
                claimed.add(value)


def _write(tx: Tx, run: JobRun, decisions: list[Decision]) -> None:
    stamp = iso(now())
    creates = [d for d in decisions if d.target is None]
    if creates:
        _insert(tx, run, creates, stamp)
    groups: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
    for decision in decisions:
        if decision.target is None:
            continue
        decision.record_id, decision.status = decision.target, RowStatus.UPDATED
        names = tuple(decision.row.values)
        new_values = tuple(to_db_value(decision.row.values[n]) for n in names)
        groups.setdefault(names, []).append(
            (*new_values, stamp, run.user_id, run.job_id, decision.target)
        )
    for names, params in groups.items():
        tx.update_records(run.table, [*names, "Modified_Time", "Modified_By", "_job"], params)


def _insert(tx: Tx, run: JobRun, creates: list[Decision], stamp: str) -> None:
    fields = [
        c.field
        for c in run.plan.columns
        if c.field.api_name != "id" and c.field.api_name not in AUDIT_COLUMNS
    ]
    names = [f.api_name for f in fields]
    adapters = [(f.api_name, db_adapter(f.type)) for f in fields if db_adapter(f.type)]
    first = tx.allocate_ids(len(creates))
    user, job = run.user_id, run.job_id
    records = []
    for offset, decision in enumerate(creates):
        decision.record_id, decision.status = first + offset, RowStatus.ADDED
        values = decision.row.values
        for name, adapt in adapters:
            if name in values:
                values[name] = adapt(values[name])  # type: ignore[misc]
        owner = values.get("Owner") or user
        record = [decision.record_id, job, owner, stamp, stamp, user, user]
        record.extend(map(values.get, names))
        records.append(record)
    tx.insert_records(run.table, ["id", "_job", *AUDIT_COLUMNS, *names], records)


def _outcomes(
    run: JobRun, rows: list[PreparedRow], decisions: list[Decision]
) -> tuple[Counts, bytes]:
    by_row = {id(d.row): d for d in decisions if d.row.ok}
    counts = Counts()
    lines = []
    echo = run.plan.echo
    for row in rows:
        decision = by_row.get(id(row))
        status = decision.status if decision else RowStatus.SKIPPED
        record_id = str(decision.record_id) if decision else ""
        if status is RowStatus.ADDED:
            counts.added += 1
        elif status is RowStatus.UPDATED:
            counts.updated += 1
        else:
            counts.skipped += 1
        cells = [row.cells[i] if i < len(row.cells) else "" for i in echo]
        errors = render_errors(row.errors) if row.errors else ""
        lines.append([*cells, status.value, record_id, errors])
    return counts, result_csv_rows(lines)
