"""Raw CSV rows to typed values and row errors, one chunk at a time."""

from __future__ import annotations

from collections.abc import Callable
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
    steps = [
        (
            c.index,
            c.convert,
            c.label,
            c.default,
            c is plan.key,
            c.field.api_name,
            c.field.type in REFERENCE_TYPES,
        )
        for c in plan.columns
    ]
    width = plan.width
    prepared = []
    for cells in rows:
        row = PreparedRow(cells)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            row.errors.append(RowError(RowCode.CANNOT_PROCESS, f"column {width + 1}"))
        _convert(row, steps, ignore_empty)
        prepared.append(row)
    return prepared


_Step = tuple[int | None, Callable[[str], object], str, object, bool, str, bool]


def _convert(row: PreparedRow, steps: list[_Step], ignore_empty: bool) -> None:
    cells, values = row.cells, row.values
    size = len(cells)
    for index, convert, label, default, is_key, name, is_ref in steps:
        text = cells[index] if index is not None and index < size else ""
        value: object
        if text and not text.isspace():
            value = convert(text)
            if value is INVALID:
                row.errors.append(RowError(RowCode.INVALID_DATA, label))
                continue
        elif default is not None:
            value = default
        elif ignore_empty:
            continue
        else:
            value = None
        if is_key:
            row.key = value
        if name == "id":
            continue
        if is_ref and value is not None:
            row.refs[name] = value
        else:
            values[name] = value


def mandatory_errors(row: PreparedRow, plan: MappingPlan, creating: bool) -> list[RowError]:
    """Mandatory fields a new record lacks, or an update would clear."""
    errors: list[RowError] = []
    values, refs = row.values, row.refs
    for name, label in plan.mandatory:
        if creating:
            missing = name not in refs and values.get(name) is None
        else:
            missing = name in values and values[name] is None
        if missing and not any(e.column == label for e in row.errors):
            errors.append(RowError(RowCode.MANDATORY_NOT_FOUND, label))
    return errors
