"""The keys Zoho's field metadata gives subform, multi-select lookup, multi-user lookup and
polymorphic lookup fields, in the shapes of its v8 SDK's field models: ``subform`` and
``associated_module`` (the module holding the rows), ``multiselectlookup`` /
``multiuserlookup`` with ``linking_details`` (the linking module and its two lookups) and
``connected_details`` (the other side), ``multi_module_lookup`` (the target modules)."""

from __future__ import annotations

from typing import Any

from bulkwrite.domain.children import LINK_USER, PARENT_ID
from bulkwrite.domain.modules import Field, FieldType

#: The user module's API name, as Zoho names the other side of a multi-user lookup.
USERS = "users"


def child_field_details(
    field: Field, label: str, targets: dict[str, str], owner: str
) -> dict[str, Any]:
    """The extra keys of one field of module ``owner`` (none for most fields); ``targets``:
    every module's id by API name."""
    if field.lookup_modules:
        modules = [{"api_name": m, "id": targets.get(m, "")} for m in field.lookup_modules]
        return {
            "multi_module_lookup": {
                "api_name": field.api_name,
                "display_label": label,
                "modules": modules,
            }
        }
    child = field.child_module
    if child is None:
        return {}
    module = _minified(child, targets)
    if field.type is FieldType.SUBFORM:
        return {"subform": {**module}, "associated_module": module}
    linking = field.type is FieldType.MULTISELECTLOOKUP
    other: str = (field.lookup_module or "") if linking else USERS
    parent_side, other_side = (owner, other) if linking else (PARENT_ID, LINK_USER)
    details = {
        "linking_details": {
            "module": {**module, "plural_label": child, "visibility": 1},
            "lookup_field": {"api_name": parent_side, "field_label": parent_side},
            "connected_lookup_field": {"api_name": other_side, "field_label": other_side},
        },
        "connected_details": {
            "module": _minified(other, targets),
            "field": {"api_name": other_side, "field_label": other_side},
            "layouts": [],
        },
        "record_access": False,
    }
    return {field.type.value: details, "associated_module": module}


def _minified(api_name: str, targets: dict[str, str]) -> dict[str, str]:
    """A module as ``{api_name, id}``; without ``id`` when it is no module of the org (the
    users a multi-user lookup links to)."""
    known = targets.get(api_name)
    return {"api_name": api_name, "id": known} if known else {"api_name": api_name}
