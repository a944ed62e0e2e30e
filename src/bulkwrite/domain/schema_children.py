"""Fields of a schema file whose values live in a child module (contract section 12):

    - {api_name: Milestones, type: subform, fields: [...]}        # rows with typed fields
    - {api_name: Members, type: multiselectlookup, lookup: Contacts,
       linking_module: Projects_X_Contacts}                        # links to Contacts
    - {api_name: Reviewers, type: multiuserlookup}                 # links to users

Each declares its child module: a subform's is named as the field, with ``Parent_Id`` and the
declared fields; a linking module has a lookup to each side named after the two modules; a
multi-user lookup's is named as the field, with ``Parent_Id`` and ``User``. Pure, like
``schema_file``: problems are collected, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bulkwrite.domain.children import LINK_USER, PARENT_ID
from bulkwrite.domain.modules import CHILD_TYPES, Field, FieldType, Module, ModuleKind
from bulkwrite.domain.standard_fields import child_module

#: Keys a child-type field may have beyond api_name, type and label.
CHILD_KEYS = {
    FieldType.SUBFORM: frozenset({"fields"}),
    FieldType.MULTISELECTLOOKUP: frozenset({"lookup", "linking_module"}),
    FieldType.MULTIUSERLOOKUP: frozenset(),
}
_KINDS = {
    FieldType.SUBFORM: ModuleKind.SUBFORM,
    FieldType.MULTISELECTLOOKUP: ModuleKind.LINKING,
    FieldType.MULTIUSERLOOKUP: ModuleKind.MULTIUSER,
}
FieldReader = Callable[[Any, str, list[str]], Field | None]


def child_of(
    field: Field, raw: dict[str, Any], parent: str, where: str, problems: list[str]
) -> tuple[Field, Module | None]:
    """The field (its ``child_module`` set) and the child module it declares; None when the
    declaration has a problem (added to ``problems``)."""
    kind = _KINDS[field.type]
    if field.type is FieldType.MULTISELECTLOOKUP:
        target = field.lookup_module or ""
        linking = raw.get("linking_module", f"{parent}_X_{target}")
        if not isinstance(linking, str) or not linking:
            problems.append(f"{where}: linking_module must be a module api_name")
            return field, None
        if target.lower() == parent.lower():
            problems.append(f"{where}: a multi-select lookup to its own module is not supported")
            return field, None
        fields = [
            Field(parent, FieldType.LOOKUP, lookup_module=parent),
            Field(target, FieldType.LOOKUP, lookup_module=target),
        ]
        return _with_child(field, child_module(linking, kind, parent, fields))
    parent_id = Field(PARENT_ID, FieldType.LOOKUP, lookup_module=parent)
    if field.type is FieldType.MULTIUSERLOOKUP:
        user = Field(LINK_USER, FieldType.USERLOOKUP)
        return _with_child(field, child_module(field.api_name, kind, parent, [parent_id, user]))
    return field, None  # a subform: see ``subform_child``


def subform_child(
    field: Field,
    raw: dict[str, Any],
    parent: str,
    where: str,
    problems: list[str],
    read_field: FieldReader,
) -> tuple[Field, Module | None]:
    """A subform field and its module, whose fields are read with ``read_field``."""
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        problems.append(f"{where}: a subform needs a non-empty list of fields")
        return field, None
    before = len(problems)
    fields: list[Field] = [Field(PARENT_ID, FieldType.LOOKUP, lookup_module=parent)]
    seen = {PARENT_ID.lower()}
    for position, item in enumerate(raw_fields):
        inner = f"{where}.fields[{position}]"
        if isinstance(item, dict) and str(item.get("type", "")).lower() in CHILD_TYPES:
            problems.append(f"{inner}: a subform's field cannot hold rows or links itself")
            continue
        declared = read_field(item, inner, problems)
        if declared is None:
            continue
        declared_once(declared.api_name, "field", inner, seen, problems)
        fields.append(declared)
    if len(problems) != before:
        return field, None
    return _with_child(field, child_module(field.api_name, ModuleKind.SUBFORM, parent, fields))


def declared_once(
    api_name: str, kind: str, where: str, seen: set[str], problems: list[str]
) -> None:
    """Note a ``kind`` (module, field) whose name ``seen`` holds already, in any case; then
    ``seen`` holds it."""
    if api_name.lower() in seen:
        problems.append(f"{where}: {kind} {api_name} is declared twice")
    seen.add(api_name.lower())


def _with_child(field: Field, module: Module) -> tuple[Field, Module]:
    return Field(
        field.api_name,
        field.type,
        label=field.label,
        lookup_module=field.lookup_module,
        child_module=module.api_name,
    ), module


def child_document(field: Field, modules: dict[str, Module]) -> dict[str, Any]:
    """The keys a schema file writes for a child-type field beyond its name and type."""
    child = modules.get(field.child_module or "")
    if field.type is FieldType.MULTISELECTLOOKUP:
        return {"lookup": field.lookup_module, "linking_module": field.child_module}
    if field.type is FieldType.SUBFORM and child is not None:
        return {"fields": [f for f in declared_fields(child) if f.api_name != PARENT_ID]}
    return {}


def declared_fields(module: Module) -> Iterable[Field]:
    """The fields a schema file writes of a module: all but the system ones."""
    return (f for f in module.fields if not f.system)
