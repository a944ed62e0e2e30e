"""``--map COL=Field``, ``--format Field=PATTERN`` and ``--default Field=VALUE`` as field mappings.

Without any of them no mappings are sent and the server maps columns by header. ``--map`` lists
the columns to read (by header name or 0-based index); ``Field.find_by`` on its right-hand side
looks records up (``--map Account=Account_Name.Account_Name``). ``--format`` and ``--default``
without ``--map`` map the columns by their header as the server would (``importer/headers.py``,
with the module's fields read from the server; without them, headers must be API names), and
then add the patterns and constant values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bulkwrite.cli.common import InputError
from bulkwrite.domain.ids import parse_index

if TYPE_CHECKING:
    from bulkwrite.client import FieldMap
    from bulkwrite.importer.headers import HeaderMatch


@dataclass(frozen=True)
class MappingOptions:
    """The raw option values, checked for syntax by ``parse``."""

    maps: tuple[tuple[str, str], ...] = ()
    formats: tuple[tuple[str, str], ...] = ()
    defaults: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, maps: list[str], formats: list[str], defaults: list[str]) -> MappingOptions:
        return cls(
            tuple(_pair("--map", m, "COL=Field", last=True) for m in maps),
            tuple(_pair("--format", f, "Field=PATTERN") for f in formats),
            tuple(_pair("--default", d, "Field=VALUE") for d in defaults),
        )

    @property
    def empty(self) -> bool:
        return not (self.maps or self.formats or self.defaults)


def _pair(option: str, text: str, shape: str, last: bool = False) -> tuple[str, str]:
    left, sep, right = text.rpartition("=") if last else text.partition("=")
    left, right = left.strip(), right.strip()
    if not sep or not left or not right:
        raise InputError(f"{option} {text!r}: expected {shape}")
    return left, right


def build_mappings(
    options: MappingOptions, header: list[str], match: HeaderMatch | None = None
) -> list[FieldMap] | None:
    """The ``field_mappings`` to send, or ``None`` to let the server map by header."""
    from bulkwrite.client import FieldMap

    if options.empty:
        return None
    if options.maps:
        mappings = [_mapped(column, target, header) for column, target in options.maps]
    elif match is not None:
        mappings = [
            FieldMap(m.api_name, index=m.index, find_by=m.find_by) for m in match.mappings()
        ]
    else:
        mappings = [_field(target, index) for index, target in enumerate(header) if target]
    for name, pattern in options.formats:
        hits = [i for i, m in enumerate(mappings) if m.api_name == name and m.index is not None]
        if not hits:
            raise InputError(f"--format '{name}={pattern}': no column is mapped to {name}")
        for i in hits:
            mappings[i] = replace(mappings[i], format=pattern)
    for name, value in options.defaults:
        hits = [i for i, m in enumerate(mappings) if m.api_name == name]
        for i in hits:
            mappings[i] = replace(mappings[i], default=value)
        if not hits:
            mappings.append(FieldMap(name, default=value))
    return mappings


def _field(target: str, index: int) -> FieldMap:
    from bulkwrite.client import FieldMap

    name, _, find_by = target.partition(".")
    return FieldMap(name.strip(), index=index, find_by=find_by.strip() or None)


def _mapped(column: str, target: str, header: list[str]) -> FieldMap:
    if not target.partition(".")[0].strip():
        raise InputError(f"--map '{column}={target}': expected COL=Field")
    try:
        return _field(target, column_index(column, header))
    except ValueError as exc:
        raise InputError(f"--map '{column}={target}': {exc}") from None


def column_index(column: str, header: list[str]) -> int:
    """A 0-based index, or a header name (exact, else case-insensitive and unique).

    ``ValueError`` names the problem.
    """
    index = parse_index(column)
    if index is not None and index < 0:
        raise ValueError("a column index is 0 or more")
    if index is not None:
        if index >= len(header):
            raise ValueError(
                f"column index {index} is beyond the header's {len(header)} columns "
                f"(0 to {len(header) - 1})"
            )
        return index
    exact = [i for i, name in enumerate(header) if name == column]
    found = exact or [i for i, name in enumerate(header) if name.lower() == column.lower()]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(f"the file has no column {column!r}")
    raise ValueError(f"{len(found)} columns are named {column!r}; use an index")
