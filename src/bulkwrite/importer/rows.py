"""Raw CSV rows to typed values and row errors, one chunk at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from bulkwrite.domain.outcome import RowCode, RowError
from bulkwrite.domain.schema import REFERENCE_TYPES
from bulkwrite.importer.convert import INVALID
from bulkwrite.importer.plan import MappingPlan


@dataclass(slots=True)
class PreparedRow:
    """One data row after conversion; references (lookups, owners) still unresolved."""

    cells: list[str]
    values: dict[str, object] = field(default_factory=dict)  # None clears the stored value
    refs: dict[str, object] = field(default_factory=dict)  # reference field -> key to resolve
    errors: list[RowError] = field(default_factory=list)
    key: object | None = None  # the find_by value, None when empty

    @property
    def ok(self) -> bool:
        return not self.errors


def prepare_rows(rows: list[list[str]], plan: MappingPlan, ignore_empty: bool) -> list[PreparedRow]:
    """Convert every mapped cell; a row's problems are listed, never raised."""
    return [_prepare(cells, plan, ignore_empty) for cells in rows]


def _prepare(cells: list[str], plan: MappingPlan, ignore_empty: bool) -> PreparedRow:
    row = PreparedRow(cells)
    width = len(cells)
    if width > plan.width and any(c.strip() for c in cells[plan.width :]):
        row.errors.append(RowError(RowCode.CANNOT_PROCESS, f"column {plan.width + 1}"))
    for column in plan.columns:
        name = column.field.api_name
        text = cells[column.index] if column.index is not None and column.index < width else ""
        if text.strip():
            value = column.convert(text)
            if value is INVALID:
                row.errors.append(RowError(RowCode.INVALID_DATA, column.label))
                continue
        elif column.default is not None:
            value = column.default
        elif ignore_empty:
            continue
        else:
            value = None
        if column is plan.key:
            row.key = value
        if name == "id":
            continue
        if value is not None and column.field.type in REFERENCE_TYPES:
            row.refs[name] = value
        else:
            row.values[name] = value
    return row


def mandatory_errors(row: PreparedRow, plan: MappingPlan, creating: bool) -> list[RowError]:
    """Mandatory fields a new record lacks, or an update would clear."""
    labels = {c.field.api_name: c.label for c in plan.columns}
    flagged = {e.column for e in row.errors}
    errors = []
    for mandatory in plan.module.mandatory_fields:
        name = mandatory.api_name
        if labels.get(name, name) in flagged:
            continue
        present = name in row.refs or row.values.get(name) is not None
        cleared = name in row.values and row.values[name] is None
        if (creating and not present) or (not creating and cleared):
            errors.append(RowError(RowCode.MANDATORY_NOT_FOUND, labels.get(name, name)))
    return errors
