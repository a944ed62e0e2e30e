"""Turning domain values into storable ones and back (shared by every store)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bulkwrite.domain.identity import Right
from bulkwrite.domain.job import FieldMapping, JobSpec, Operation
from bulkwrite.domain.modules import Field, FieldType, Module, ModuleKind


def rights_to_json(rights: Mapping[str, frozenset[Right]]) -> str:
    """A profile's module rights as stored: module name to sorted right names."""
    return json.dumps({module: sorted(r.value for r in rs) for module, rs in rights.items()})


def rights_from_json(text: str) -> dict[str, frozenset[Right]]:
    return {m: frozenset(Right(r) for r in rs) for m, rs in json.loads(text).items()}


def field_to_dict(field: Field) -> dict[str, Any]:
    return {
        "api_name": field.api_name,
        "type": field.type.value,
        "id": field.id,
        "label": field.label,
        "mandatory": field.mandatory,
        "unique": field.unique,
        "length": field.length,
        "picklist": list(field.picklist),
        "lookup_module": field.lookup_module,
        "min_value": field.min_value,
        "max_value": field.max_value,
        "system": field.system,
        "read_only": field.read_only,
        "lookup_modules": list(field.lookup_modules),
        "child_module": field.child_module,
        "positive": field.positive,
    }


def field_from_dict(data: dict[str, Any]) -> Field:
    return Field(
        api_name=data["api_name"],
        type=FieldType(data["type"]),
        id=data.get("id", ""),
        label=data.get("label", ""),
        mandatory=data.get("mandatory", False),
        unique=data.get("unique", False),
        length=data.get("length"),
        picklist=tuple(data.get("picklist", ())),
        lookup_module=data.get("lookup_module"),
        min_value=data.get("min_value"),
        max_value=data.get("max_value"),
        system=data.get("system", False),
        read_only=data.get("read_only", False),
        lookup_modules=tuple(data.get("lookup_modules", ())),
        child_module=data.get("child_module"),
        positive=data.get("positive", False),
    )


def module_to_json(module: Module) -> str:
    return json.dumps(
        {
            "api_name": module.api_name,
            "name_field": module.name_field,
            "singular_label": module.singular_label,
            "plural_label": module.plural_label,
            "kind": module.kind.value,
            "parent": module.parent,
            "layout_id": module.layout_id,
            "fields": [field_to_dict(f) for f in module.fields],
        }
    )


def module_from_json(module_id: str, text: str) -> Module:
    data = json.loads(text)
    return Module(
        api_name=data["api_name"],
        id=module_id,
        fields=tuple(field_from_dict(f) for f in data["fields"]),
        name_field=data["name_field"],
        singular_label=data.get("singular_label", ""),
        plural_label=data.get("plural_label", ""),
        kind=ModuleKind(data.get("kind", ModuleKind.MODULE.value)),
        parent=data.get("parent"),
        layout_id=data.get("layout_id", ""),
    )


def spec_to_json(spec: JobSpec) -> str:
    return json.dumps(
        {
            "operation": spec.operation.value,
            "module": spec.module,
            "file_id": spec.file_id,
            "find_by": spec.find_by,
            "mappings": [m.to_wire() for m in spec.mappings],
            "auto_mapped": spec.auto_mapped,
            "ignore_empty": spec.ignore_empty,
            "character_encoding": spec.character_encoding,
            "delimiter": spec.delimiter,
            "callback_url": spec.callback_url,
            "callback_method": spec.callback_method,
            "unmapped_columns": list(spec.unmapped_columns),
        }
    )


def spec_from_json(text: str) -> JobSpec:
    data = json.loads(text)
    return JobSpec(
        operation=Operation(data["operation"]),
        module=data["module"],
        file_id=data["file_id"],
        find_by=data["find_by"],
        mappings=tuple(FieldMapping(**m) for m in data["mappings"]),
        auto_mapped=data["auto_mapped"],
        ignore_empty=data["ignore_empty"],
        character_encoding=data["character_encoding"],
        delimiter=data["delimiter"],
        callback_url=data["callback_url"],
        callback_method=data["callback_method"],
        unmapped_columns=tuple(data.get("unmapped_columns", ())),
    )
