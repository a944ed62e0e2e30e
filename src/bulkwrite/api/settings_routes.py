"""Module, field and layout metadata in Zoho's shapes: ``/crm/{v}/settings/modules``,
``/fields`` and ``/layouts``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep
from bulkwrite.api.envelope import ZohoJSON
from bulkwrite.api.field_meta import child_field_details
from bulkwrite.api.openapi_doc import FIELDS_EXTRA
from bulkwrite.api.query_params import (
    FIELD_UNSUPPORTED,
    FIELDS_UNSUPPORTED,
    MODULES_UNSUPPORTED,
    NONE,
    accept_query,
)
from bulkwrite.domain.modules import (
    INTEGER_TYPES,
    NUMBER_TYPES,
    SERVER_SET_FIELDS,
    Field,
    FieldType,
    Module,
    ModuleKind,
)
from bulkwrite.errors import ResourceNotFound
from bulkwrite.services.schema import (
    metadata_fields,
    metadata_module,
    metadata_modules,
    standard_field_names,
)

router = APIRouter()
MODULE = frozenset({"module"})  # the one parameter of layouts and fields

#: Zoho's ``json_type`` of each data type (how a record carries the value).
_JSON_TYPES = {
    **{t: "integer" for t in INTEGER_TYPES},
    **{t: "double" for t in NUMBER_TYPES},
    FieldType.BOOLEAN: "boolean",
    FieldType.MULTISELECT: "jsonarray",
    FieldType.LOOKUP: "jsonobject",
    FieldType.OWNERLOOKUP: "jsonobject",
    FieldType.USERLOOKUP: "jsonobject",
    FieldType.SUBFORM: "jsonarray",
    FieldType.MULTISELECTLOOKUP: "jsonarray",
    FieldType.MULTIUSERLOOKUP: "jsonarray",
}
#: Zoho's ``length`` of types that have no text length of their own.
_LENGTHS = {
    FieldType.INTEGER: 9,
    FieldType.BIGINT: 18,
    FieldType.DECIMAL: 16,
    FieldType.CURRENCY: 16,
    FieldType.DOUBLE: 16,
    FieldType.PERCENT: 5,
    FieldType.BOOLEAN: 5,
    FieldType.DATE: 20,
    FieldType.DATETIME: 120,
    FieldType.PICKLIST: 120,
    FieldType.MULTISELECT: 2000,
    FieldType.LOOKUP: 120,
    FieldType.OWNERLOOKUP: 120,
    FieldType.USERLOOKUP: 120,
}
_DECIMAL_PLACES = {FieldType.CURRENCY: 2, FieldType.DECIMAL: 2, FieldType.PERCENT: 2}


@router.get("/crm/{version}/settings/modules")
async def modules(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    accept_query(request, NONE, MODULES_UNSUPPORTED)
    found = await run_in_threadpool(metadata_modules, services, principal)
    standard = standard_field_names()
    listed = [m for m in found if m.kind is not ModuleKind.SUBFORM]  # as Zoho lists them
    return ZohoJSON({"modules": [module_document(m, m.api_name in standard) for m in listed]})


@router.get("/crm/{version}/settings/modules/{api_name}")
async def module(
    version: VersionDep,
    api_name: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> ZohoJSON:
    accept_query(request, NONE)
    found = await run_in_threadpool(metadata_module, services, principal, api_name)
    return ZohoJSON({"modules": [module_document(found, found.api_name in standard_field_names())]})


@router.get("/crm/{version}/settings/layouts", openapi_extra=FIELDS_EXTRA)
async def layouts(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    """A module's one layout, ``Standard`` (contract section 12)."""
    accept_query(request, MODULE)
    name = request.query_params.get("module")
    found = await run_in_threadpool(metadata_module, services, principal, name)
    layout = {"id": found.layout_id, "name": "Standard", "status": "active", "visible": True}
    return ZohoJSON({"layouts": [layout]})


@router.get("/crm/{version}/settings/fields", openapi_extra=FIELDS_EXTRA)
async def fields(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    accept_query(request, MODULE, FIELDS_UNSUPPORTED)
    name = request.query_params.get("module")
    found, targets = await run_in_threadpool(metadata_fields, services, principal, name)
    return ZohoJSON({"fields": fields_document(found, targets, version)})


@router.get("/crm/{version}/settings/fields/{field_id}", openapi_extra=FIELDS_EXTRA)
async def field(
    version: VersionDep,
    field_id: str,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> ZohoJSON:
    accept_query(request, MODULE, FIELD_UNSUPPORTED)
    name = request.query_params.get("module")
    found, targets = await run_in_threadpool(metadata_fields, services, principal, name)
    chosen = [f for f in fields_document(found, targets, version) if f["id"] == field_id]
    if not chosen:
        raise ResourceNotFound()
    return ZohoJSON({"fields": chosen})


def module_document(module: Module, standard: bool) -> dict[str, Any]:
    plural = module.plural_label or module.api_name
    return {
        "api_name": module.api_name,
        "id": module.id,
        "module_name": plural,
        "singular_label": module.singular_label or module.api_name,
        "plural_label": plural,
        "api_supported": True,
        "generated_type": _generated_type(module, standard),
        "creatable": True,
        "editable": True,
        "viewable": True,
        "deletable": False,
        "visible": True,
        "visibility": 1,
        "status": "visible",
        "presence_sub_menu": True,
        "profiles": [],
    }


def _generated_type(module: Module, standard: bool) -> str:
    if module.kind is ModuleKind.SUBFORM:
        return "subform"
    if module.kind is not ModuleKind.MODULE:
        return "linking"
    return "default" if standard else "custom"


def fields_document(module: Module, targets: dict[str, str], version: str) -> list[dict[str, Any]]:
    standard = standard_field_names().get(module.api_name, frozenset())
    return [
        field_document(
            f, targets, version, custom=f.api_name not in standard, owner=module.api_name
        )
        for f in module.fields
    ]


def field_document(
    field: Field, targets: dict[str, str], version: str, custom: bool, owner: str = ""
) -> dict[str, Any]:
    """One field as Zoho's metadata describes it; ``owner``: its module's API name."""
    label = field.display_label
    values = [
        {"display_value": v, "actual_value": v, "sequence_number": n, "type": "used", "maps": []}
        for n, v in enumerate(field.picklist, start=1)
    ]
    return {
        "api_name": field.api_name,
        "id": field.id,
        "field_label": label,
        "display_label": label,
        "data_type": field.type.value,
        "json_type": _JSON_TYPES.get(field.type, "string"),
        "length": field.max_length or _LENGTHS.get(field.type, 255),
        "decimal_place": _DECIMAL_PLACES.get(field.type),
        "system_mandatory": field.mandatory,
        "read_only": field.api_name in SERVER_SET_FIELDS or field.read_only,
        "field_read_only": field.api_name in SERVER_SET_FIELDS or field.read_only,
        "custom_field": custom,
        "visible": True,
        "unique": {"casesensitive": "false"} if field.unique else {},
        "pick_list_values": values,
        "lookup": _lookup(field, label, targets, version),
        "created_source": "custom" if custom else "default",
        **child_field_details(field, label, targets, owner),
    }


def _lookup(field: Field, label: str, targets: dict[str, str], version: str) -> dict[str, Any]:
    if field.type is not FieldType.LOOKUP or field.lookup_module is None:
        return {}
    target = field.lookup_module
    module: Any = target if version == "v2" else {"api_name": target, "id": targets.get(target, "")}
    return {"display_label": label, "api_name": field.api_name, "module": module, "id": field.id}
