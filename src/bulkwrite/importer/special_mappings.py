"""Mappings that are not one column into one field: a ``Layout`` mapping (checked, then
dropped: every module has one layout) and a polymorphic lookup (Tasks' ``What_Id``), whose
target module per row comes from a ``$se_module`` column beside it or the mapping's
``module`` key."""

from __future__ import annotations

from dataclasses import replace

from bulkwrite.domain.job import FieldMapping
from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.domain.standard_inventory import SE_MODULE
from bulkwrite.errors import DataInvalid
from bulkwrite.importer.columns import Column
from bulkwrite.importer.convert import make_converter

#: The pseudo-field naming a record's layout (contract section 12).
LAYOUT = "Layout"


def is_layout_mapping(module: Module, mapping: FieldMapping, path: str) -> bool:
    """True for a valid ``Layout`` mapping (it changes nothing, so it compiles to no column);
    raises ``INVALID_DATA`` for one that names another layout or a column."""
    if mapping.api_name != LAYOUT or module.field(LAYOUT) is not None:
        return False
    value = (mapping.default_value or {}).get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, dict):  # {"value": {"id": "..."}}, as the SDK may send it
        value = value.get("id")
    wrong = mapping.index is not None or mapping.find_by is not None or mapping.format is not None
    if wrong or not module.layout_id or value != module.layout_id:
        raise DataInvalid.at(
            LAYOUT,
            f"{path}.default_value",
            f"Layout takes a default_value naming the layout of {module.api_name} "
            f"({module.layout_id or 'none'}), and no index, find_by or format.",
        )
    return True


#: What a user lookup's ``module`` key may say.
USERS = "users"


def check_module_key(field: Field, mapping: FieldMapping, path: str) -> None:
    """A mapping's ``module`` key is acted on or refused, never ignored: a lookup's must name
    its target module, a user lookup's ``users`` (any case); a polymorphic lookup's is
    checked by ``polymorphic_find_by``; any other field takes none (``INVALID_DATA``)."""
    if mapping.module is None or field.lookup_modules:
        return
    if field.type is FieldType.LOOKUP:
        allowed = field.lookup_module or ""
    elif field.type in (FieldType.OWNERLOOKUP, FieldType.USERLOOKUP):
        allowed = USERS
    else:
        allowed = None
    if allowed is None or mapping.module.lower() != allowed.lower():
        expected = f"only {allowed}" if allowed else "none: it is not a lookup"
        raise DataInvalid.at(
            "module",
            f"{path}.module",
            f"The module of {field.api_name}'s mapping is {mapping.module}; it takes {expected}.",
        )


def polymorphic_find_by(
    modules: dict[str, Module], field: Field, mapping: FieldMapping, path: str
) -> str:
    """A polymorphic lookup's ``find_by``: ``id``, or a field that is the name or a unique
    field of every target module; the ``module`` key, if given, must be one of them."""
    if mapping.module is not None and _target(field, mapping.module) is None:
        raise DataInvalid.at(
            "module",
            f"{path}.module",
            f"{field.api_name} points at one of {', '.join(field.lookup_modules)}; "
            f"not {mapping.module}.",
        )
    find_by = mapping.find_by or "id"
    if find_by == "id":
        return find_by
    for name in field.lookup_modules:
        target = modules.get(name)
        found = target.field(find_by) if target is not None else None
        if target is None or found is None or not (found.unique or find_by == target.name_field):
            raise DataInvalid.at(
                "find_by",
                f"{path}.find_by",
                f"{find_by} is not a unique or name field of {name}, a target of {field.api_name}.",
            )
    return find_by


def polymorphic_columns(
    module: Module, columns: list[Column], mappings: dict[str, tuple[FieldMapping, str]]
) -> list[Column]:
    """The columns with each polymorphic lookup's target column: a mapped ``$se_module``
    (its empty cells take the lookup's ``module`` key, if given), or one made from the
    ``module`` key; neither → ``INVALID_DATA`` at the lookup's mapping. ``mappings``: each
    mapped field's mapping and JSON path."""
    by_name = {c.field.api_name: c for c in columns}
    result = list(columns)
    for column in columns:
        if not column.field.lookup_modules:
            continue
        mapping, path = mappings[column.field.api_name]
        target = _target(column.field, mapping.module) if mapping.module is not None else None
        se, se_field = by_name.get(SE_MODULE), module.field(SE_MODULE)
        if se_field is None or (se is None and target is None):
            raise DataInvalid.at(
                column.field.api_name,
                f"{path}.module",
                f"{column.field.api_name} needs its target module: map {SE_MODULE} beside "
                "it or give the mapping a module key.",
            )
        if se is None:
            convert = make_converter(se_field, None)
            result.append(Column(se_field, None, SE_MODULE, convert, target, None))
        elif target is not None and se.default is None:
            result[result.index(se)] = replace(se, default=target)
    return result


def _target(field: Field, name: str) -> str | None:
    lowered = name.lower()
    return next((m for m in field.lookup_modules if m.lower() == lowered), None)
