"""The New import page's mapping table: each CSV column with the field it goes to (matched by
API name or label as job creation matches it, else the closest field by a fuzzy match, else
nothing), and the posted table back as the create request's ``field_mappings``."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bulkwrite.domain.modules import Field, Module
from bulkwrite.errors import DataInvalid
from bulkwrite.importer.headers import ColumnMatch, mappable_fields, match_headers, squash
from bulkwrite.services.failed_rows import TAIL

#: The form field of column ``i``'s choice is ``map_<i>``; this value is "Don't import".
SKIP = ""
#: A fuzzy match this close is chosen (marked for checking); a farther one is only named.
PRESELECT_CLOSENESS = 0.8


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class ColumnRow:
    """One CSV column: its header, the choices, the one chosen and why."""

    index: int
    header: str
    chosen: str
    how: str  # "api_name", "label", "close match", "not mapped"
    note: str

    @property
    def field_name(self) -> str:
        return f"map_{self.index}"


def choices(module: Module) -> list[Choice]:
    """Every field a column may go to, "Don't import" first."""
    out = [Choice(SKIP, "Don't import")]
    for field in mappable_fields(module):
        label = field.display_label
        shown = field.api_name if label == field.api_name else f"{label} ({field.api_name})"
        out.append(Choice(field.api_name, shown))
    return out


def closeness(header: str, field: Field) -> float:
    """How alike a header and a field's API name or label are (difflib's ratio, 0 to 1)."""
    key = squash(header)
    names = (squash(field.api_name), squash(field.display_label))
    return max(difflib.SequenceMatcher(None, key, name).ratio() for name in names)


def _row(column: ColumnMatch, fields: Mapping[str, Field]) -> ColumnRow:
    if column.api_name is not None:
        chosen = column.api_name + (f".{column.find_by}" if column.find_by else "")
        how = "API name" if column.matched_by == "api_name" else "label"
        return ColumnRow(column.index, column.header, chosen, how, "")
    field = fields.get(column.suggestion or "")
    if field is not None and closeness(column.header, field) >= PRESELECT_CLOSENESS:
        note = "check it"
        return ColumnRow(column.index, column.header, field.api_name, "close match", note)
    if field is not None:  # too far to import on a guess: named, not chosen
        note = f"the closest field is {field.display_label} ({field.api_name})"
        return ColumnRow(column.index, column.header, SKIP, "not mapped", note)
    return ColumnRow(column.index, column.header, SKIP, "not mapped", column.reason)


def mapping_rows(
    module: Module, header: Sequence[str], targets: Mapping[str, Module]
) -> list[ColumnRow]:
    """One row per column; the columns a failed-rows file adds after the uploaded ones
    (``services/failed_rows.py``) are not imported, whatever they resemble."""
    fields = {f.api_name: f for f in mappable_fields(module)}
    rows = [_row(c, fields) for c in match_headers(module, header, targets).columns]
    if tuple(header[-len(TAIL) :]) == TAIL:
        note = "added by the failed-rows download"
        for row in rows[-len(TAIL) :]:
            rows[row.index] = ColumnRow(row.index, row.header, SKIP, "not mapped", note)
    return rows


def extra_choices(rows: Sequence[ColumnRow], base: Sequence[Choice]) -> list[Choice]:
    """Choices a matched lookup column needs beyond the fields (``Account_Name.id``)."""
    known = {c.value for c in base}
    return [Choice(r.chosen, r.chosen) for r in rows if r.chosen not in known]


def posted_mappings(form: Mapping[str, str], width: int, allowed: set[str]) -> list[dict[str, Any]]:
    """The ``field_mappings`` of a posted table of ``width`` columns; a choice that is no
    field of the module (nor ``Field.find_by`` of one) is refused."""
    names = {f"map_{i}" for i in range(width)}
    stray = sorted(k for k in form if k.startswith("map_") and k not in names)
    if stray:
        raise DataInvalid.at(stray[0], stray[0], "The form names a column the file does not have.")
    mappings: list[dict[str, Any]] = []
    for index in range(width):
        value = form.get(f"map_{index}", SKIP).strip()
        if value == SKIP:
            continue
        name, dot, find_by = value.partition(".")
        if name not in allowed or (dot and not find_by):
            raise DataInvalid.at(f"map_{index}", f"map_{index}", f"{value!r} is no field here.")
        mapping: dict[str, Any] = {"api_name": name, "index": index}
        if find_by:
            mapping["find_by"] = find_by
        mappings.append(mapping)
    if not mappings:
        raise DataInvalid.at("map_0", "map_0", "Map at least one column to a field.")
    return mappings
