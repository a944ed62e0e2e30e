"""An org's modules written as a schema file (``bulkwrite schema show``), which
``schema_file.parse_schema`` reads back to the same definitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from bulkwrite.domain.modules import CHILD_TYPES, Field, Module
from bulkwrite.domain.schema_children import child_document, declared_fields
from bulkwrite.domain.schema_file import API_NAME


class _FlowDict(dict[str, Any]):
    """A mapping written on one line: ``{api_name: X, type: text}``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowDict,
    lambda dumper, data: dumper.represent_mapping(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, data, flow_style=True
    ),
)


def dump_schema(modules: Iterable[Module]) -> str:
    """Modules as a schema file that ``parse_schema`` reads back to the same definitions."""
    modules = list(modules)
    by_name = {m.api_name: m for m in modules}
    top = [m for m in modules if m.parent is None or m.parent not in by_name]
    document = {"modules": [_module_document(m, by_name) for m in top]}
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)


def _module_document(module: Module, modules: dict[str, Module]) -> dict[str, Any]:
    return {
        "api_name": module.api_name,
        "singular_label": module.singular_label or module.api_name,
        "plural_label": module.plural_label or module.api_name,
        "name_field": module.name_field,
        "fields": [
            _FlowDict(field_document(f, modules))
            for f in declared_fields(module)
            if API_NAME.match(f.api_name)  # not $se_module: it comes with its lookup
        ],
    }


def field_document(field: Field, modules: dict[str, Module] | None = None) -> dict[str, Any]:
    """One field as a schema file writes it: its name, type and non-default attributes."""
    document: dict[str, Any] = {"api_name": field.api_name, "type": field.type.value}
    optional: dict[str, Any] = {
        "label": field.label or None,
        "mandatory": field.mandatory or None,
        "unique": field.unique or None,
        "length": field.length,
        "values": list(field.picklist) or None,
        "lookup": field.lookup_module or list(field.lookup_modules) or None,
        "min": field.min_value,
        "max": field.max_value,
        "read_only": field.read_only or None,
    }
    document.update({k: v for k, v in optional.items() if v is not None})
    if field.type in CHILD_TYPES:
        extra = child_document(field, modules or {})
        if "fields" in extra:
            extra["fields"] = [field_document(f, modules) for f in extra["fields"]]
        document.update(extra)
    return document
