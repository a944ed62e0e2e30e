"""A job's field mappings compiled against the module and the CSV header."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bulkwrite.domain.job import FieldMapping, JobSpec, Operation
from bulkwrite.domain.modules import (
    CHILD_TYPES,
    INTEGER_TYPES,
    NUMBER_TYPES,
    REFERENCE_TYPES,
    SERVER_SET_FIELDS,
    Field,
    FieldType,
    Module,
)
from bulkwrite.errors import (
    BulkWriteError,
    ColumnIndexNotFound,
    DataInvalid,
    FieldInvalid,
    FormatInvalid,
    HeaderLimitExceeded,
    MandatoryFieldsNotMapped,
    MandatoryNotFound,
)
from bulkwrite.importer.columns import Column
from bulkwrite.importer.convert import INVALID, Converter, make_converter
from bulkwrite.importer.headers import ID_FIELD, match_headers
from bulkwrite.importer.special_mappings import (
    check_module_key,
    is_layout_mapping,
    polymorphic_columns,
    polymorphic_find_by,
)

OWNER_FIND_BY = frozenset({"id", "email"})
#: Field types whose default_value may be a JSON number (references: an id).
_NUMBER_DEFAULTS = INTEGER_TYPES | NUMBER_TYPES | REFERENCE_TYPES


@dataclass(frozen=True, slots=True)
class MappingPlan:
    module: Module
    operation: Operation
    columns: tuple[Column, ...]
    key: Column | None  # the column holding the resource's find_by value
    echo: tuple[int, ...]  # source column indexes echoed in the result file
    width: int  # number of header cells
    mandatory: tuple[tuple[str, str], ...] = ()  # (field, label) of each mandatory field


@dataclass(frozen=True, slots=True)
class PlanRequest:
    operation: Operation
    module: Module
    header: list[str]
    mappings: tuple[FieldMapping, ...]
    find_by: str | None
    modules: dict[str, Module]  # the org's modules, for lookup targets
    max_columns: int
    path: str = "$.resource[0]"


def compile_plan(req: PlanRequest) -> MappingPlan:
    """Validate the mappings; raises the contract's request errors."""
    if len(req.header) > req.max_columns:
        raise HeaderLimitExceeded(
            f"The file has {len(req.header)} columns; the limit is {req.max_columns}."
        )
    mappings = req.mappings
    if len(mappings) > req.max_columns:
        raise HeaderLimitExceeded.at(
            "field_mappings",
            f"{req.path}.field_mappings",
            f"More than {req.max_columns} fields are mapped.",
        )
    paths = {m.api_name: (m, f"{req.path}.field_mappings[{i}]") for i, m in enumerate(mappings)}
    columns = [
        _column(req, m, i)
        for i, m in enumerate(mappings)
        if not is_layout_mapping(req.module, m, f"{req.path}.field_mappings[{i}]")
    ]
    columns = polymorphic_columns(req.module, columns, paths)
    _check_repeats(req, columns)
    key = _key_column(req, columns)
    if req.operation is Operation.INSERT:
        _check_mandatory_mapped(req, columns)
    indexes = sorted({c.index for c in columns if c.index is not None})
    labels = {c.field.api_name: c.label for c in columns}
    mandatory = tuple(
        (f.api_name, labels.get(f.api_name, f.api_name)) for f in req.module.mandatory_fields
    )
    return MappingPlan(
        req.module,
        req.operation,
        tuple(columns),
        key,
        tuple(indexes[:3]),
        len(req.header),
        mandatory,
    )


def compile_spec(
    spec: JobSpec, module: Module, modules: dict[str, Module], header: list[str], max_columns: int
) -> MappingPlan:
    """``compile_plan`` of a job's validated spec: at create, and again for each run."""
    return compile_plan(
        PlanRequest(
            operation=spec.operation,
            module=module,
            header=header,
            mappings=spec.mappings,
            find_by=spec.find_by,
            modules=modules,
            max_columns=max_columns,
        )
    )


def auto_mappings(
    module: Module, header: list[str], targets: dict[str, Module] | None = None
) -> tuple[FieldMapping, ...]:
    """Columns mapped by their header: a field's API name or label, loosely spelled
    (``importer.headers``); lookup headers may be ``Lookup.id`` / ``Lookup.Field``."""
    return match_headers(module, header, targets).mappings()


def _column(req: PlanRequest, mapping: FieldMapping, position: int) -> Column:
    path = f"{req.path}.field_mappings[{position}]"
    field = ID_FIELD if mapping.api_name == "id" else req.module.field(mapping.api_name)
    if field is None:
        raise FieldInvalid.at(
            mapping.api_name,
            f"{path}.api_name",
            f"The field {mapping.api_name} does not exist in {req.module.api_name}.",
        )
    _check_mappable(field, path)
    if mapping.index is None and mapping.default_value is None:
        raise MandatoryNotFound.at(
            "index",
            f"{path}.index",
            f"The mapping of {field.api_name} needs an index or a default_value.",
        )
    if mapping.index is not None and not 0 <= mapping.index < len(req.header):
        raise ColumnIndexNotFound.at(
            "index",
            f"{path}.index",
            f"Column index {mapping.index} is not in the file, which "
            f"has {len(req.header)} columns.",
        )
    try:
        convert = make_converter(field, mapping.format)
    except FormatInvalid as exc:
        raise FormatInvalid(
            exc.message, {"api_name": "format", "json_path": f"{path}.format"}
        ) from None
    check_module_key(field, mapping, path)
    find_by = (
        polymorphic_find_by(req.modules, field, mapping, path)
        if field.lookup_modules
        else _lookup_find_by(req, field, mapping, path)
    )
    default = _default(field, convert, mapping, path)
    label = req.header[mapping.index] if mapping.index is not None else field.api_name
    return Column(field, mapping.index, label, convert, default, find_by, mapping.format)


def _check_mappable(field: Field, path: str) -> None:
    """Fields the server sets, computes or fills from a child resource are never mapped."""
    if field.api_name in SERVER_SET_FIELDS:
        reason = "is set by the server"
    elif field.read_only:
        reason = "is computed by the server (read-only)"
    elif field.type in CHILD_TYPES:
        reason = "is written by a child resource of the job (its module is " + (
            f"{field.child_module})"
        )
    else:
        return
    raise DataInvalid.at(
        field.api_name, f"{path}.api_name", f"{field.api_name} {reason} and cannot be mapped."
    )


def _default(field: Field, convert: Converter, mapping: FieldMapping, path: str) -> object:
    if mapping.default_value is None:
        return None
    text = default_text(field, mapping.default_value.get("value"))
    value = convert(text) if text is not None and text.strip() else INVALID
    if value is INVALID:
        raise DataInvalid.at(
            "default_value",
            f"{path}.default_value",
            f"The default value of {field.api_name} is not valid.",
        )
    return value


def default_text(field: Field, value: object) -> str | None:
    """A ``default_value``'s ``value`` as the cell text it stands for, if its JSON type fits
    the field: a string for any field; a number for a numeric field or a reference (an id);
    true/false for a boolean; an array of strings for a multi-select picklist. None if not."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ("true" if value else "false") if field.type is FieldType.BOOLEAN else None
    if isinstance(value, int | float) and field.type in _NUMBER_DEFAULTS:
        return str(value) if math.isfinite(value) else None
    if isinstance(value, list) and field.type is FieldType.MULTISELECT:
        texts = [v for v in value if isinstance(v, str) and ";" not in v]
        return ";".join(texts) if len(texts) == len(value) else None
    return None


def _lookup_find_by(req: PlanRequest, field: Field, mapping: FieldMapping, path: str) -> str | None:
    if field.type not in REFERENCE_TYPES:
        if mapping.find_by is not None:
            raise DataInvalid.at(
                "find_by",
                f"{path}.find_by",
                f"find_by applies to lookup fields; {field.api_name} is not one "
                "(the resource's find_by names the key of an update).",
            )
        return None
    find_by = mapping.find_by or "id"
    if field.type is not FieldType.LOOKUP:
        if find_by.lower() not in OWNER_FIND_BY:
            raise DataInvalid.at(
                "find_by", f"{path}.find_by", "A user lookup is found by 'id' or 'email'."
            )
        return find_by.lower()
    target = req.modules.get(field.lookup_module or "")
    if find_by == "id" or target is None:
        return "id"
    target_field = target.field(find_by)
    if target_field is None or not (target_field.unique or find_by == target.name_field):
        raise DataInvalid.at(
            "find_by",
            f"{path}.find_by",
            f"{find_by} is not a unique or name field of {target.api_name}.",
        )
    return find_by


def _check_repeats(req: PlanRequest, columns: list[Column]) -> None:
    seen: set[str] = set()
    for position, column in enumerate(columns):
        if column.field.api_name in seen:
            raise DataInvalid.at(
                column.field.api_name,
                f"{req.path}.field_mappings[{position}].api_name",
                f"{column.field.api_name} is mapped more than once.",
            )
        seen.add(column.field.api_name)


def _key_column(req: PlanRequest, columns: list[Column]) -> Column | None:
    path = f"{req.path}.find_by"
    if req.find_by is None:
        if req.operation is not Operation.INSERT:
            raise MandatoryNotFound.at(
                "find_by", path, f"find_by is required for {req.operation.value}."
            )
        return None
    if req.find_by != "id":
        field = req.module.field(req.find_by)
        if field is None or not field.unique:
            raise DataInvalid.at(
                "find_by", path, f"find_by must be 'id' or a unique field of {req.module.api_name}."
            )
    for column in columns:
        if column.field.api_name == req.find_by:
            return column
    raise DataInvalid.at("find_by", path, f"The find_by field {req.find_by} is not mapped.")


def _check_mandatory_mapped(req: PlanRequest, columns: list[Column]) -> None:
    mapped = {c.field.api_name for c in columns}
    missing = [f.api_name for f in req.module.mandatory_fields if f.api_name not in mapped]
    if missing:
        error: BulkWriteError = MandatoryFieldsNotMapped(
            f"Mandatory fields are not mapped: {', '.join(missing)}.",
            {"api_name": missing[0], "json_path": f"{req.path}.field_mappings", "fields": missing},
        )
        raise error
