"""Turning domain values into storable ones and back (shared by every store)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bulkwrite.domain.identity import FileMember, Right, RowCount
from bulkwrite.domain.job import (
    Counts,
    FieldMapping,
    JobSpec,
    Operation,
    ResourceProgress,
    ResourceSpec,
)
from bulkwrite.domain.modules import Field, FieldType, Module, ModuleKind


def rights_to_json(rights: Mapping[str, frozenset[Right]]) -> str:
    """A profile's module rights as stored: module name to sorted right names."""
    return json.dumps({module: sorted(r.value for r in rs) for module, rs in rights.items()})


def rights_from_json(text: str) -> dict[str, frozenset[Right]]:
    return {m: frozenset(Right(r) for r in rs) for m, rs in json.loads(text).items()}


def members_to_json(members: tuple[FileMember, ...]) -> str | None:
    """A zip's further CSVs as stored (None: the upload is one CSV)."""
    if not members:
        return None
    return json.dumps(
        [
            {"name": m.name, "path": m.path, "size": m.size, "encoding_hint": m.encoding_hint}
            for m in members
        ]
    )


def members_from_json(text: str | None) -> tuple[FileMember, ...]:
    if not text:
        return ()
    return tuple(FileMember(**m) for m in json.loads(text))


def row_counts_to_json(counts: Sequence[RowCount | None]) -> str | None:
    """The data rows of each CSV of an upload, first one first (None: none counted)."""
    if all(count is None for count in counts):
        return None
    return json.dumps(
        [
            None
            if c is None
            else {"rows": c.rows, "encoding": c.encoding, "delimiter": c.delimiter}
            for c in counts
        ]
    )


def row_counts_from_json(text: str | None, csvs: int) -> list[RowCount | None]:
    """``row_counts_to_json`` read back, one entry per CSV (None: not counted)."""
    loaded: list[dict[str, Any] | None] = json.loads(text) if text else []
    counts = [None if c is None else RowCount(**c) for c in loaded]
    return (counts + [None] * csvs)[:csvs]


def progress_to_json(done: tuple[ResourceProgress, ...]) -> str:
    """The resources of a job written to their end, as stored."""
    return json.dumps(
        [
            [p.first_chunk, p.chunks, p.rows, p.counts.added, p.counts.updated, p.counts.skipped]
            for p in done
        ]
    )


def progress_from_json(text: str | None) -> tuple[ResourceProgress, ...]:
    if not text:
        return ()
    return tuple(
        ResourceProgress(first, chunks, rows, Counts(added, updated, skipped))
        for first, chunks, rows, added, updated, skipped in json.loads(text)
    )


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


def mapping_to_dict(mapping: FieldMapping) -> dict[str, Any]:
    """A mapping as stored: its six wire keys, and ``parent_column_index`` when set."""
    data = mapping.to_wire()
    if mapping.parent_column_index is not None:
        data["parent_column_index"] = mapping.parent_column_index
    return data


def _resource_to_dict(child: ResourceSpec) -> dict[str, Any]:
    return {
        "module": child.module,
        "file_name": child.file_name,
        "mappings": [mapping_to_dict(m) for m in child.mappings],
        "link": child.link,
        "ignore_empty": child.ignore_empty,
        "character_encoding": child.character_encoding,
        "delimiter": child.delimiter,
        "unmapped_columns": list(child.unmapped_columns),
        "module_id": child.module_id,
    }


def _resource_from_dict(data: dict[str, Any]) -> ResourceSpec:
    return ResourceSpec(
        module=data["module"],
        file_name=data["file_name"],
        mappings=tuple(FieldMapping(**m) for m in data["mappings"]),
        link=data["link"],
        ignore_empty=data["ignore_empty"],
        character_encoding=data["character_encoding"],
        delimiter=data["delimiter"],
        unmapped_columns=tuple(data.get("unmapped_columns", ())),
        module_id=data.get("module_id", ""),
    )


def spec_to_json(spec: JobSpec) -> str:
    """A job's spec as stored; a one-resource job's JSON is as it always was (the keys of a job
    of several resources are added only when set, so older stored jobs load unchanged)."""
    extra: dict[str, Any] = {}
    if spec.file_name is not None:
        extra["file_name"] = spec.file_name
    if spec.children:
        extra["children"] = [_resource_to_dict(c) for c in spec.children]
    if spec.dry_run:
        extra["dry_run"] = True
    return json.dumps(
        {
            "operation": spec.operation.value,
            "module": spec.module,
            "file_id": spec.file_id,
            "find_by": spec.find_by,
            "mappings": [mapping_to_dict(m) for m in spec.mappings],
            "auto_mapped": spec.auto_mapped,
            "ignore_empty": spec.ignore_empty,
            "character_encoding": spec.character_encoding,
            "delimiter": spec.delimiter,
            "callback_url": spec.callback_url,
            "callback_method": spec.callback_method,
            "unmapped_columns": list(spec.unmapped_columns),
            **extra,
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
        file_name=data.get("file_name"),
        children=tuple(_resource_from_dict(c) for c in data.get("children", ())),
        dry_run=bool(data.get("dry_run", False)),
    )
