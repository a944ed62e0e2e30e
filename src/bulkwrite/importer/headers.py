"""Which field each CSV column goes to, by its header; and the columns that go nowhere.

Pure: a module's fields and a header in, one ``ColumnMatch`` per column out. A header maps to a
field by its API name (exactly, then ignoring case, spaces, underscores and punctuation), then
by its label the same way: ``E-mail`` is ``Email``, ``Last Name`` is ``Last_Name``, a custom
field labelled ``Reference #`` is matched by ``reference``. A lookup column may name the
target's field after a dot (``Account_Name.id``, ``Account Name.Account Name``). A column that
maps to nothing, or to a field an earlier column already took, is unmapped, with the closest
field as a suggestion (never imported on a guess). Used by job creation (``plan.auto_mappings``),
by the CLI before it uploads, and by the dashboard's mapping table.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bulkwrite.domain.job import FieldMapping
from bulkwrite.domain.modules import (
    CHILD_TYPES,
    REFERENCE_TYPES,
    SERVER_SET_FIELDS,
    Field,
    FieldType,
    Module,
)

#: The record id is mappable by a column headed ``id`` (any case); no module lists it.
ID_FIELD = Field("id", FieldType.BIGINT, system=True)
#: How alike a header and a field must be (difflib's ratio) to be suggested.
SUGGEST_CUTOFF = 0.6


def squash(text: str) -> str:
    """``text`` without case, spaces, underscores or punctuation: how headers are compared."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class ColumnMatch:
    """One column of the header, and the field it maps to (``api_name`` None: unmapped)."""

    index: int
    header: str
    api_name: str | None = None
    find_by: str | None = None  # a lookup column's target field (``Account_Name.id``)
    matched_by: str | None = None  # "api_name" or "label"
    suggestion: str | None = None  # unmapped: the API name of the closest field, if any
    reason: str = ""  # unmapped: why, in a few words

    @property
    def mapped(self) -> bool:
        return self.api_name is not None


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """Every column of a header, matched against one module."""

    columns: tuple[ColumnMatch, ...]

    @property
    def unmapped(self) -> tuple[ColumnMatch, ...]:
        """Columns that go nowhere (blank headers left out: nothing names them)."""
        return tuple(c for c in self.columns if not c.mapped and c.header)

    def mappings(self) -> tuple[FieldMapping, ...]:
        """The field mappings of the mapped columns, in file order."""
        return tuple(
            FieldMapping(c.api_name, index=c.index, find_by=c.find_by)
            for c in self.columns
            if c.api_name is not None
        )


def mappable_fields(module: Module) -> list[Field]:
    """The fields a column of ``module``'s CSV may go to (the record id last)."""
    mappable = [
        f
        for f in module.fields
        if (not f.system or f.api_name == "Owner") and not f.read_only and f.type not in CHILD_TYPES
    ]
    return [*mappable, ID_FIELD]


class _Fields:
    """A module's header-mappable fields, indexed by squashed API name and label."""

    def __init__(self, module: Module) -> None:
        self.fields = mappable_fields(module)
        self.exact = {f.api_name: f for f in self.fields}
        self.by_api = _index(self.fields, lambda f: f.api_name)
        self.by_label = _index(self.fields, lambda f: f.display_label)
        self.server_set = {squash(name): name for name in SERVER_SET_FIELDS}
        self.server_set |= {
            squash(f.api_name): f.api_name
            for f in module.fields
            if f.read_only or f.type in CHILD_TYPES
        }

    def find(self, text: str) -> tuple[Field | None, str | None]:
        """The field ``text`` names and how (``api_name``/``label``), or ``(None, None)``."""
        if text in self.exact:
            return self.exact[text], "api_name"
        key = squash(text)
        for table, how in ((self.by_api, "api_name"), (self.by_label, "label")):
            found = table.get(key, [])
            if len(found) == 1:
                return found[0], how
        return None, None

    def suggest(self, text: str, taken: set[str]) -> str | None:
        names = {squash(f.api_name): f.api_name for f in self.fields if f.api_name not in taken}
        names.update(
            {squash(f.display_label): f.api_name for f in self.fields if f.api_name not in taken}
        )
        close = difflib.get_close_matches(squash(text), list(names), n=1, cutoff=SUGGEST_CUTOFF)
        return names[close[0]] if close else None


def _index(fields: Sequence[Field], key: Callable[[Field], str]) -> dict[str, list[Field]]:
    table: dict[str, list[Field]] = {}
    for field in fields:
        table.setdefault(squash(key(field)), []).append(field)
    return table


def match_headers(
    module: Module, header: Sequence[str], targets: Mapping[str, Module] | None = None
) -> HeaderMatch:
    """Match each column of ``header`` to a field of ``module`` (see the module docstring).

    When several columns name one field, an exact API name wins over a loose spelling, which
    wins over a label; among equals the first column wins. ``targets`` (the org's modules by
    API name) lets a lookup column's ``.Field`` part be spelled loosely too.
    """
    fields = _Fields(module)
    found = [_match_one(fields, i, name.strip(), targets or {}) for i, name in enumerate(header)]
    winners: dict[str, ColumnMatch] = {}
    for column in sorted((c for c in found if c.mapped), key=lambda c: (_rank(c), c.index)):
        winners.setdefault(str(column.api_name), column)
    taken = set(winners)
    columns: list[ColumnMatch] = []
    for column in found:
        if column.api_name is not None and winners[column.api_name] is not column:
            first = winners[column.api_name].header
            column = ColumnMatch(
                column.index,
                column.header,
                reason=f"{column.api_name} is already read from {first!r}",
            )
        elif column.api_name is None and column.header:
            column = _unmapped(fields, column.index, column.header, taken)
        columns.append(column)
    return HeaderMatch(tuple(columns))


def _rank(column: ColumnMatch) -> int:
    if column.header.partition(".")[0].strip() == column.api_name:
        return 0
    return 1 if column.matched_by == "api_name" else 2


def _match_one(
    fields: _Fields, index: int, text: str, targets: Mapping[str, Module]
) -> ColumnMatch:
    if not text:
        return ColumnMatch(index, text, reason="the column has no header")
    field, how = fields.find(text)
    if field is not None:
        return ColumnMatch(index, text, field.api_name, matched_by=how)
    base, dot, sub = text.partition(".")
    if not dot:
        return ColumnMatch(index, text)
    field, how = fields.find(base.strip())
    if field is None or field.type not in REFERENCE_TYPES or not sub.strip():
        return ColumnMatch(index, text)
    return ColumnMatch(index, text, field.api_name, _target_field(field, sub.strip(), targets), how)


def _target_field(field: Field, sub: str, targets: Mapping[str, Module]) -> str:
    """The lookup's ``find_by``: ``id``, or the target module's field ``sub`` names."""
    if squash(sub) == "id":
        return "id"
    if field.type is not FieldType.LOOKUP:
        return sub
    target = targets.get(field.lookup_module or "")
    if target is None:
        return sub
    found, _ = _Fields(target).find(sub)
    return found.api_name if found is not None else sub


def _unmapped(fields: _Fields, index: int, text: str, taken: set[str]) -> ColumnMatch:
    server_set = fields.server_set.get(squash(text))
    if server_set is not None:
        reason = (
            "is set by the server"
            if server_set in SERVER_SET_FIELDS
            else "is computed or written by a child resource; it cannot be mapped"
        )
        return ColumnMatch(index, text, reason=f"{server_set} {reason}")
    return ColumnMatch(
        index, text, suggestion=fields.suggest(text, taken), reason="no field has this name"
    )


def unread_columns(header: Sequence[str], mappings: Sequence[FieldMapping]) -> tuple[str, ...]:
    """The (non-blank) headers of the columns no mapping reads, in file order."""
    read = {m.index for m in mappings if m.index is not None}
    return tuple(name.strip() for i, name in enumerate(header) if i not in read and name.strip())
