"""Child modules (subforms, linking modules, multi-user links): which column ties a row to
its parent record, which to the other side, and the indexes their record tables get."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bulkwrite.domain.modules import CHILD_TYPES, Field, FieldType, Module, ModuleKind

#: The lookup of a subform row or a multi-user link to its parent record.
PARENT_ID = "Parent_Id"
#: The user lookup of a multi-user link (a ``MULTIUSER`` module's other side).
LINK_USER = "User"


@dataclass(frozen=True, slots=True)
class RecordIndex:
    """An index of a record table beyond its unique fields' own."""

    name: str
    columns: tuple[str, ...]
    unique: bool


def stored_fields(fields: Iterable[Field]) -> tuple[Field, ...]:
    """The fields that are columns of a record table: all but those whose values are rows of
    a child module (``CHILD_TYPES``)."""
    return tuple(f for f in fields if f.type not in CHILD_TYPES)


def parent_column(module: Module) -> str | None:
    """The field of a child module's row naming its parent record (None: not a child)."""
    if module.kind in (ModuleKind.SUBFORM, ModuleKind.MULTIUSER):
        return PARENT_ID
    if module.kind is ModuleKind.LINKING:
        for field in module.fields:
            if field.type is FieldType.LOOKUP and field.lookup_module == module.parent:
                return field.api_name
    return None


def other_column(module: Module) -> str | None:
    """The other side of a link: a linking module's lookup to the linked module, a
    multi-user link's user (None for subforms and ordinary modules)."""
    if module.kind is ModuleKind.MULTIUSER:
        return LINK_USER
    if module.kind is ModuleKind.LINKING:
        parent = parent_column(module)
        for field in module.fields:
            if field.type is FieldType.LOOKUP and field.api_name != parent:
                return field.api_name
    return None


def child_indexes(module: Module) -> tuple[RecordIndex, ...]:
    """A subform's index on ``Parent_Id`` (rows read back by parent); a link's unique index
    on (parent, other side), so a link is never doubled (it also serves reads by parent)."""
    parent, other = parent_column(module), other_column(module)
    if parent is None:
        return ()
    if other is None:
        return (RecordIndex("parent", (parent,), unique=False),)
    return (RecordIndex("link", (parent, other), unique=True),)


def child_field(parent: Module, child: Module) -> Field | None:
    """The field of ``parent`` whose rows or links ``child`` holds; None when ``child`` is no
    subform, linking module or multi-user lookup of ``parent`` (a job may not write it as a
    child resource of ``parent``)."""
    if child.parent != parent.api_name:
        return None
    return next(
        (f for f in parent.fields if f.type in CHILD_TYPES and f.child_module == child.api_name),
        None,
    )
