"""One mapped field of a compiled mapping: where its value comes from, how it is converted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bulkwrite.domain.modules import Field
from bulkwrite.importer.convert import Converter, make_converter


@dataclass(frozen=True, slots=True)
class Column:
    """One mapped field: where its value comes from and how it is converted."""

    field: Field
    index: int | None
    label: str  # CSV header text, or the field's API name when no column feeds it
    convert: Converter
    default: object | None  # converted default value, None if none
    find_by: str | None  # for lookups: the target field matched against
    pattern: str | None = None  # the mapping's format, if any

    def __reduce__(self) -> tuple[Callable[..., Column], tuple[object, ...]]:
        """Pickled without its converter (a closure): rebuilt from the field and pattern."""
        state = (self.field, self.index, self.label, self.default, self.find_by, self.pattern)
        return _rebuilt_column, state


def _rebuilt_column(
    field: Field,
    index: int | None,
    label: str,
    default: object | None,
    find_by: str | None,
    pattern: str | None,
) -> Column:
    return Column(field, index, label, make_converter(field, pattern), default, find_by, pattern)
