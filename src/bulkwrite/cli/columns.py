"""Which columns of the file an import reads: warnings for the others, ``--strict``, hints.

The CLI reads the module's fields from the server (Zoho's metadata call) and matches the header
with the server's own rules (``importer/headers.py``), so it can refuse before uploading
(``--strict``) and suggest the ``--map`` that would import a column. Without that metadata (a
token without the settings scope) it still warns, after the job, from the job details'
``unmapped_columns``, only without suggestions.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bulkwrite.cli.common import InputError
from bulkwrite.domain.modules import SERVER_SET_FIELDS, Field, FieldType, Module
from bulkwrite.importer.headers import ColumnMatch, HeaderMatch, match_headers, squash

if TYPE_CHECKING:
    from bulkwrite.cli.mapping import MappingOptions
    from bulkwrite.client import Client


@dataclass(frozen=True)
class Unread:
    """A column the job will not import."""

    index: int
    header: str
    suggestion: str | None = None
    reason: str = ""

    @property
    def fix(self) -> str:
        """The ``--map`` option that would import it."""
        return "--map " + shlex.quote(f"{self.header}={self.suggestion or 'FIELD'}")

    def warning(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"warning: column {self.header!r} is not imported{why}; to import it: {self.fix}"


def fetch_module(client: Client, name: str) -> Module | None:
    """The module as the server's metadata describes it, or None when it cannot be read."""
    from bulkwrite.client import BulkWriteAPIError

    try:
        fields = client.fields(name)
    except BulkWriteAPIError:
        return None
    return Module(name, "", tuple(_field(f) for f in fields), "")


def _field(doc: dict[str, Any]) -> Field:
    name = str(doc.get("api_name", ""))
    try:
        kind = FieldType(str(doc.get("data_type")))
    except ValueError:
        kind = FieldType.TEXT
    lookup = doc.get("lookup") or {}
    target = lookup.get("module") if isinstance(lookup, dict) else None
    target_name = target.get("api_name") if isinstance(target, dict) else target
    return Field(
        name,
        kind,
        label=str(doc.get("field_label") or ""),
        lookup_module=target_name if isinstance(target_name, str) else None,
        system=name in SERVER_SET_FIELDS or name == "Owner",
    )


def header_match(module: Module | None, header: list[str]) -> HeaderMatch | None:
    return None if module is None else match_headers(module, header)


def unread_columns(
    header: list[str], mapping: MappingOptions, match: HeaderMatch | None
) -> list[Unread] | None:
    """The columns the job will not read (None: unknown without the module's fields)."""
    from bulkwrite.cli.mapping import column_index

    if mapping.maps:
        read = {column_index(column, header) for column, _ in mapping.maps}
        suggested = {c.index: c for c in match.columns} if match else {}
        return [
            Unread(i, name, _suggest(suggested.get(i)), "not in --map")
            for i, name in enumerate(header)
            if name and i not in read
        ]
    if match is None:
        return None
    return [Unread(c.index, c.header, c.suggestion, c.reason) for c in match.unmapped]


def _suggest(column: ColumnMatch | None) -> str | None:
    if column is None:
        return None
    return column.api_name or column.suggestion


def refuse_unread(unread: Sequence[Unread]) -> InputError:
    """``--strict``'s refusal, naming every column and its fix."""
    fixes = " ".join(u.fix for u in unread)
    names = ", ".join(repr(u.header) for u in unread)
    count = f"{len(unread)} column{'' if len(unread) == 1 else 's'}"
    return InputError(f"--strict: {count} would not be imported: {names} (add {fixes})")


def key_columns(
    header: list[str], mapping: MappingOptions, match: HeaderMatch | None, find_by: str | None
) -> list[int]:
    """The columns that may hold the ``--find-by`` values (their empty cells are counted)."""
    from bulkwrite.cli.mapping import column_index

    if not find_by:
        return []
    if mapping.maps:
        return [column_index(c, header) for c, f in mapping.maps if f.partition(".")[0] == find_by]
    if match is not None:
        return [c.index for c in match.columns if c.api_name == find_by]
    return [i for i, name in enumerate(header) if squash(name) == squash(find_by)]


def mandatory_hint(missing: Sequence[str], unread: Sequence[Unread] | None) -> str:
    """What to add when the job leaves mandatory fields unmapped."""
    offers = {u.suggestion: u for u in unread or () if u.suggestion in missing}
    parts = [
        offers[name].fix if name in offers else "--map " + shlex.quote(f"COL={name}")
        for name in missing
    ]
    first = missing[0] if missing else "FIELD"
    return (
        f"map a column to each ({' '.join(parts)}) "
        f"or give a value (--default {shlex.quote(first + '=VALUE')})"
    )
